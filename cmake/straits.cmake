# Helpers shared by every module's CMakeLists.

# straits_embed(TARGET_VAR NAME INPUT): generates a source defining
# straits::embedded::NAME with INPUT's bytes; appends it to TARGET_VAR.
function(straits_embed out_var name input)
  set(output "${CMAKE_CURRENT_BINARY_DIR}/embedded_${name}.cc")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DNAME=${name}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS "${input}" ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${input}"
    VERBATIM)
  set(${out_var} ${${out_var}} "${output}" PARENT_SCOPE)
endfunction()

# straits_library(NAME SOURCES ... DEPS ...): one module library.
function(straits_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${STRAITS_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# straits_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with CTest.
function(straits_test name)
  if(NOT STRAITS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${STRAITS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "STRAITS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# straits_camel(OUT snake_name): "fleet_admin" -> "FleetAdmin".
function(straits_camel out snake)
  string(REPLACE "_" ";" parts "${snake}")
  set(result "")
  foreach(part ${parts})
    string(SUBSTRING "${part}" 0 1 first)
    string(TOUPPER "${first}" first)
    string(SUBSTRING "${part}" 1 -1 rest)
    string(APPEND result "${first}${rest}")
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# straits_families(SOURCES_VAR NAMES_VAR PREFIX): every <PREFIX><name>.cc in the
# current folder (tests excluded) and the CamelCase <Name> of each, so that a
# new route family or command group is just a new file: a generated registry
# calls it, and nothing shared has to be edited.
function(straits_families sources_var names_var prefix)
  file(GLOB files RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/${prefix}*.cc)
  list(SORT files)
  set(sources "")
  set(names "")
  foreach(file ${files})
    if(file MATCHES "_test\\.cc$")
      continue()
    endif()
    string(REGEX REPLACE "^${prefix}(.*)\\.cc$" "\\1" name "${file}")
    straits_camel(camel "${name}")
    list(APPEND sources ${CMAKE_CURRENT_SOURCE_DIR}/${file})
    list(APPEND names ${camel})
  endforeach()
  set(${sources_var} ${sources} PARENT_SCOPE)
  set(${names_var} ${names} PARENT_SCOPE)
endfunction()

# straits_module_libraries(OUT_VAR EXCLUDE...): the library `straits_<dir>` of
# every module folder under src/ (those being built), except EXCLUDE. The API
# and the CLI link them all, so a new module's routes or commands need no
# shared edit. Targets defined later in the configure are fine: link items are
# resolved at generate time.
function(straits_module_libraries out_var)
  file(GLOB lists RELATIVE ${PROJECT_SOURCE_DIR}/src CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/src/*/CMakeLists.txt)
  set(libs "")
  foreach(list_file ${lists})
    get_filename_component(dir ${list_file} DIRECTORY)
    if(dir IN_LIST ARGN OR dir IN_LIST STRAITS_SKIP_MODULES)
      continue()
    endif()
    list(APPEND libs straits_${dir})
  endforeach()
  set(${out_var} ${libs} PARENT_SCOPE)
endfunction()
