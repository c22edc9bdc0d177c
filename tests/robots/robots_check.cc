// robots_check: answers RobotsRules::Allowed for paths read from stdin, for
// the differential test tests/robots/protego_diff.py.
//
// Usage: robots_check ROBOTS_TXT_FILE PRODUCT_TOKEN < paths
// Reads one path (path + "?query") per line and prints "1" (allowed) or "0"
// (disallowed) on a line of its own for each.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "robots/robots.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " ROBOTS_TXT_FILE PRODUCT_TOKEN\n";
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::cerr << argv[0] << ": cannot read " << argv[1] << "\n";
    return 2;
  }
  const std::string body((std::istreambuf_iterator<char>(file)),
                         std::istreambuf_iterator<char>());
  const crawl::RobotsRules rules = crawl::RobotsRules::Parse(body, argv[2]);
  std::string path;
  while (std::getline(std::cin, path)) {
    if (!path.empty() && path.back() == '\r') path.pop_back();
    std::cout << (rules.Allowed(path) ? "1\n" : "0\n");
  }
  return std::cout.flush() ? 0 : 1;
}
