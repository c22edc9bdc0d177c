# crawl_html_myhtml: the myhtml-based reference link extractor
# (myhtml_links.h) for the differential test, fuzzer and benchmark. Included
# from tests/, tests/fuzz/ and bench/ (each may be built without the others);
# the target is defined once.
include_guard(GLOBAL)
add_library(crawl_html_myhtml STATIC ${CMAKE_CURRENT_LIST_DIR}/myhtml_links.cc
            ${CMAKE_CURRENT_LIST_DIR}/myhtml_differences.cc)
target_include_directories(crawl_html_myhtml PUBLIC ${PROJECT_SOURCE_DIR}/tests)
target_include_directories(crawl_html_myhtml SYSTEM PRIVATE ${MYHTML_INCLUDE_DIR})
target_link_libraries(crawl_html_myhtml PUBLIC crawl_html
                      PRIVATE ${MODEST_LIBRARY} Threads::Threads crawl_flags)
