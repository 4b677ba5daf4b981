# Sanitizers and fuzzing live on dl_warnings, the INTERFACE target only our own
# code links (ccache's StandardSettings pattern), so one option turns them on
# for every library, test and tool and leaves Debian's prebuilt libraries alone.
#
#   -DDLIMAGE_SANITIZE=ON  ASan + UBSan; any UB report aborts the test that hit it.
#   -DDLIMAGE_FUZZ=ON      clang only: libraries get fuzzer coverage
#                          instrumentation plus ASan + UBSan, and fuzz/ builds
#                          one libFuzzer binary per parser (docs/DEVELOPING.md).
option(DLIMAGE_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(DLIMAGE_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang)" OFF)

set(dl_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
if(DLIMAGE_SANITIZE OR DLIMAGE_FUZZ)
  target_compile_options(dl_warnings INTERFACE ${dl_sanitize_flags})
  target_link_options(dl_warnings INTERFACE -fsanitize=address,undefined)
endif()
if(DLIMAGE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "DLIMAGE_FUZZ needs clang: -DCMAKE_CXX_COMPILER=clang++")
  endif()
  target_compile_options(dl_warnings INTERFACE -fsanitize=fuzzer-no-link)
endif()
