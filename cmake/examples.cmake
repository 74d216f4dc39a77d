# The examples, as installed (share/doc/dara/examples/CMakeLists.txt): built
# against an installed dara with find_package(dara).
#
#   cmake -S /usr/local/share/doc/dara/examples -B build && cmake --build build
#   dara explore -- build/atomicity
#   dara explore --props build/props/tickets_props.so -- build/tickets
cmake_minimum_required(VERSION 3.18)
project(dara_examples LANGUAGES C)

find_package(dara REQUIRED)
find_package(Threads REQUIRED)

file(GLOB sources ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
foreach(src ${sources})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE dara::dara Threads::Threads)
endforeach()

# Global properties (--props): one shared object each.
file(GLOB props ${CMAKE_CURRENT_SOURCE_DIR}/props/*.c)
foreach(src ${props})
  get_filename_component(name ${src} NAME_WE)
  add_library(${name} MODULE ${src})
  target_link_libraries(${name} PRIVATE dara::dara)
  set_target_properties(${name} PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY
                        ${CMAKE_BINARY_DIR}/props)
endforeach()
