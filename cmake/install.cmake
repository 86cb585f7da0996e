# Installation and the CMake package (find_package(ustack)): public headers
# under include/ustack with the source tree's layout ("tcp/asio/tcp_stream.h"),
# the static libraries as ustack::<layer> imported targets, and the `ustack`
# command. Included by the top-level CMakeLists.txt after every target exists.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(USTACK_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/ustack"
    CACHE STRING "Where ustackConfig.cmake goes, relative to the prefix")

# Library target -> exported name (ustack_http -> ustack::http).
set(USTACK_EXPORTED ustack_base ustack_wire ustack_tcp ustack_stack ustack_asio ustack_http)
foreach(target IN LISTS USTACK_EXPORTED)
  string(REPLACE "ustack_" "" short ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${short})
  # The same name inside this build, so code written against the package also builds in-tree.
  add_library(ustack::${short} ALIAS ${target})
endforeach()

install(TARGETS ${USTACK_EXPORTED} EXPORT ustackTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

# Every header of the library layers (stack/ brings stack/wire, stack/link and
# stack/asio; tcp/ brings tcp/asio), internal ones included: public headers
# include them (tcp/connection.h -> tcp/connection_impl.h, ...).
foreach(dir base stack tcp http)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ustack/${dir}
          FILES_MATCHING PATTERN "*.h")
endforeach()

if(TARGET ustack)
  install(TARGETS ustack RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT ustackTargets NAMESPACE ustack:: DESTINATION ${USTACK_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ustackConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ustackConfig.cmake
                              INSTALL_DESTINATION ${USTACK_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same major.minor matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ustackConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ustackConfig.cmake ${PROJECT_BINARY_DIR}/ustackConfigVersion.cmake
        DESTINATION ${USTACK_INSTALL_CMAKEDIR})
