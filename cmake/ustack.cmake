# ustack_library(NAME "dir1;dir2" deps...): a library from every .cc file in
# the listed folders (not recursive), or an INTERFACE target while a folder
# holds headers only.
function(ustack_library name dirs)
  set(sources)
  foreach(dir IN LISTS dirs)
    file(GLOB found CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${dir}/*.cc")
    list(APPEND sources ${found})
  endforeach()
  if(sources)
    add_library(${name} STATIC ${sources})
    target_link_libraries(${name} PUBLIC ${ARGN})
  else()
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${ARGN})
  endif()
endfunction()

# ustack_test(NAME "glob" deps...): one GoogleTest executable from the files
# matching the glob under tests/, registered with ctest test by test.
function(ustack_test name pattern)
  file(GLOB found CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${pattern}")
  if(NOT found)
    return()
  endif()
  add_executable(${name} ${found})
  target_link_libraries(${name} PRIVATE ${ARGN} GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS unit)
endfunction()
