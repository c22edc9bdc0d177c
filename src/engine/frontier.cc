#include "engine/frontier.h"

#include <algorithm>
#include <tuple>

namespace crawl {

Frontier::Frontier(const FrontierOptions& options) : options_(options) {}

std::uint32_t Frontier::Intern(std::string_view url) {
  auto it = ids_.find(url);
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(nodes_.size());
  it = ids_.emplace(std::string(url), id).first;
  nodes_.emplace_back().url = it->first;
  return id;
}

void Frontier::AddSeed(std::string_view url) {
  const std::size_t before = queue_.size();
  Relax(Intern(url), 0, kNoParent);
  // Depth-first pops from the back: a later seed goes under earlier ones,
  // so seeds are fetched in the order given.
  if (options_.order == FrontierOptions::Order::kDepthFirst &&
      queue_.size() > before) {
    const std::uint32_t seed = queue_.back();
    queue_.pop_back();
    queue_.push_front(seed);
  }
}

std::size_t Frontier::Ready() const {
  if (options_.max_pages == 0) return queue_.size();
  if (dispatched_ >= options_.max_pages) return 0;
  return std::min<std::uint64_t>(queue_.size(),
                                 options_.max_pages - dispatched_);
}

std::optional<Task> Frontier::Next() {
  if (Ready() == 0) return std::nullopt;
  std::uint32_t id;
  if (options_.order == FrontierOptions::Order::kBreadthFirst) {
    id = queue_.front();
    queue_.pop_front();
  } else {
    id = queue_.back();
    queue_.pop_back();
  }
  Node& node = nodes_[id];
  node.state = State::kInFlight;
  ++in_flight_;
  ++dispatched_;
  return Task{id, std::string(node.url)};
}

PageRecord Frontier::Complete(const Task& task, FetchResult result) {
  const std::uint32_t id = task.id;
  nodes_[id].state = State::kDone;
  --in_flight_;
  ++counts_.pages;
  switch (result.outcome) {
    case Outcome::kFetched: ++counts_.fetched; break;
    case Outcome::kNotFound: ++counts_.not_found; break;
    case Outcome::kError: ++counts_.errors; break;
  }

  const bool keep_links = options_.max_depth >= 0;
  const std::size_t queued_before = queue_.size();
  for (const std::string& link : result.links) {
    const std::uint32_t child = Intern(link);  // may grow nodes_
    if (keep_links) nodes_[id].links.push_back(child);
    Relax(child, nodes_[id].depth + 1, id);
  }
  // Depth-first pops from the back: the page's first link is fetched next.
  if (options_.order == FrontierOptions::Order::kDepthFirst) {
    std::reverse(queue_.begin() + queued_before, queue_.end());
  }

  const Node& node = nodes_[id];
  PageRecord record;
  record.url = task.url;
  record.depth = node.depth;
  if (node.parent != kNoParent) record.parent = nodes_[node.parent].url;
  record.result = std::move(result);
  return record;
}

void Frontier::Relax(std::uint32_t id, int depth, std::uint32_t parent) {
  std::vector<std::tuple<std::uint32_t, int, std::uint32_t>> work{
      {id, depth, parent}};
  while (!work.empty()) {
    auto [i, d, p] = work.back();
    work.pop_back();
    Node& node = nodes_[i];
    if (d >= node.depth) continue;
    node.depth = d;
    node.parent = p;
    switch (node.state) {
      case State::kDiscovered:
        if (WithinDepth(d)) {
          node.state = State::kQueued;
          queue_.push_back(i);
        }
        break;
      case State::kQueued:
      case State::kInFlight:
        break;  // Next() and Complete() read the shorter depth.
      case State::kDone:
        // Already fetched: its links may now be within reach.
        for (std::uint32_t child : node.links) work.emplace_back(child, d + 1, i);
        break;
    }
  }
}

CrawlSummary Frontier::Summary() const {
  CrawlSummary s = counts_;
  s.discovered = nodes_.size();
  return s;
}

}  // namespace crawl
