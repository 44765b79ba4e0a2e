# Writes OUTPUT: a C++ source defining `const std::string_view NAME` in
# namespace straits::embedded with the verbatim bytes of INPUT.
# Invoked as: cmake -DINPUT=... -DOUTPUT=... -DNAME=... -P embed.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
# Emit the bytes as a char array: raw strings would break on arbitrary content.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," array "${content}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT}; do not edit.\n"
  "#include <string_view>\n"
  "namespace straits::embedded {\n"
  "static const char ${NAME}Bytes[] = {${array} 0};\n"
  "extern const std::string_view ${NAME};\n"
  "const std::string_view ${NAME}(${NAME}Bytes, ${byte_count});\n"
  "}  // namespace straits::embedded\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
