# Builds the policy fuzz targets with clang and runs each for SECONDS seconds
# over the seed corpora (the shipped packs, the conditions in corpus/expr and
# the names in corpus/screen).
# Invoked by the CTest `policy_fuzz`:
#   cmake -DROOT=<repo> -DBUILD=<dir> -DCXX=clang++-14 -DSECONDS=5 -P run.cmake
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${ROOT}/fuzz/policy -B ${BUILD} -G Ninja
          -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Debug -DSTRAITS_ROOT=${ROOT}
  RESULT_VARIABLE configured)
if(NOT configured EQUAL 0)
  message(FATAL_ERROR "configuring the fuzz build failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD} -j2 RESULT_VARIABLE built)
if(NOT built EQUAL 0)
  message(FATAL_ERROR "building the fuzz targets failed")
endif()
# Work on copies: libFuzzer adds new inputs to the first corpus directory.
file(REMOVE_RECURSE ${BUILD}/corpus)
file(MAKE_DIRECTORY ${BUILD}/corpus/pack ${BUILD}/corpus/expr ${BUILD}/corpus/screen)
file(GLOB packs ${ROOT}/data/policy/*.toml)
file(COPY ${packs} DESTINATION ${BUILD}/corpus/pack)
file(GLOB exprs ${ROOT}/fuzz/policy/corpus/expr/*)
file(COPY ${exprs} DESTINATION ${BUILD}/corpus/expr)
file(GLOB names ${ROOT}/fuzz/policy/corpus/screen/*)
file(COPY ${names} DESTINATION ${BUILD}/corpus/screen)
foreach(target pack expr screen)
  execute_process(
    COMMAND ${BUILD}/fuzz_${target} -max_total_time=${SECONDS} -max_len=65536 -timeout=10
            -rss_limit_mb=2048 ${BUILD}/corpus/${target}
    RESULT_VARIABLE fuzzed)
  if(NOT fuzzed EQUAL 0)
    message(FATAL_ERROR "fuzz_${target} found a failing input (see the output above)")
  endif()
endforeach()
