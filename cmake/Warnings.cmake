# Warnings live on an INTERFACE target that only our own code links, so
# third-party headers and Debian's flags are left alone (ccache's pattern).
add_library(dl_warnings INTERFACE)
target_compile_options(dl_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(DLIMAGE_DEV)
  target_compile_options(dl_warnings INTERFACE -Werror)
endif()
