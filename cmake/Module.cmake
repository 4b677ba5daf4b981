# dl_module(NAME DEPS <modules...> LIBS <imported targets...>)
#
# One concept per directory: every *.cc except *_test.cc becomes the static
# library dl_<NAME>; every *_test.cc becomes the test binary dl_<NAME>_tests.
# A module may only link the modules it names, which keeps the dependency
# graph in docs/ARCHITECTURE.md honest at link time as well as at #include time
# (tests/architecture_test.cc checks the latter).
function(dl_module NAME)
  cmake_parse_arguments(M "" "" "DEPS;LIBS;TEST_LIBS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(tests)
    list(REMOVE_ITEM srcs ${tests})
  endif()
  set(deps)
  foreach(d ${M_DEPS})
    list(APPEND deps dl_${d})
  endforeach()
  if(srcs)
    add_library(dl_${NAME} STATIC ${srcs})
    target_link_libraries(dl_${NAME} PUBLIC ${deps} ${M_LIBS} PRIVATE dl_warnings)
    target_include_directories(dl_${NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  else()
    add_library(dl_${NAME} INTERFACE)
    target_link_libraries(dl_${NAME} INTERFACE ${deps} ${M_LIBS})
    target_include_directories(dl_${NAME} INTERFACE ${PROJECT_SOURCE_DIR})
  endif()
  if(DLIMAGE_TESTS AND tests)
    add_executable(dl_${NAME}_tests ${tests})
    target_link_libraries(dl_${NAME}_tests PRIVATE dl_${NAME} ${M_TEST_LIBS} GTest::gtest_main dl_warnings)
    target_compile_definitions(dl_${NAME}_tests PRIVATE
      DL_SOURCE_DIR="${PROJECT_SOURCE_DIR}" DL_BINARY_DIR="${PROJECT_BINARY_DIR}")
    gtest_discover_tests(dl_${NAME}_tests
      WORKING_DIRECTORY ${PROJECT_BINARY_DIR} DISCOVERY_TIMEOUT 120
      PROPERTIES LABELS unit)
  endif()
endfunction()
