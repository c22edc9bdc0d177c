# cmake --install: the public headers, libcrawl.so and libcrawl.a with a
# CMake package (find_package(crawl) -> crawl::crawl) and crawl.pc, the crawl
# binary and its man page. Nothing under src/ is installed or exported.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/crawl DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(TARGETS crawl_shared crawl_static EXPORT crawlTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS crawl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES man/crawl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

list(JOIN CRAWL_PC_REQUIRES " " CRAWL_PC_REQUIRES_PRIVATE)
# crawl.pc finds the prefix from where it lies, so an installed tree can move.
file(RELATIVE_PATH CRAWL_PC_TO_PREFIX
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
set(CRAWL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/crawl)
install(EXPORT crawlTargets NAMESPACE crawl:: DESTINATION ${CRAWL_CMAKE_DIR})
configure_package_config_file(cmake/crawlConfig.cmake.in
  ${PROJECT_BINARY_DIR}/crawlConfig.cmake INSTALL_DESTINATION ${CRAWL_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/crawlConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/crawlConfig.cmake
              ${PROJECT_BINARY_DIR}/crawlConfigVersion.cmake
        DESTINATION ${CRAWL_CMAKE_DIR})

configure_file(cmake/crawl.pc.in ${PROJECT_BINARY_DIR}/crawl.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/crawl.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
