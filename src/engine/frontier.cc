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
  Publish();
}

std::size_t Frontier::Ready() const {
  if (Stopped()) return 0;
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
  Publish();
  return Task{id, std::string(node.url)};
}

bool Frontier::InScope(std::string_view url) {
  if (options_.scope == nullptr) return true;
  const char* reason = options_.scope->Check(url);
  if (reason == nullptr) return true;
  ++counts_.dropped[reason];
  return false;
}

PageRecord Frontier::Complete(const Task& task, FetchResult result) {
  const std::uint32_t id = task.id;
  nodes_[id].state = State::kDone;
  --in_flight_;

  const bool keep_links = options_.max_depth >= 0;
  const std::size_t queued_before = queue_.size();
  for (const std::string& link : result.links) {
    if (!InScope(link)) continue;
    const std::uint32_t child = Intern(link);  // may grow nodes_
    if (keep_links) nodes_[id].links.push_back(child);
    Relax(child, nodes_[id].depth + 1, id);
  }
  if (result.outcome == Outcome::kRedirect && !result.redirect_to.empty()) {
    const int hops = nodes_[id].hops + 1;
    if (hops > options_.max_redirects) {
      result.outcome = Outcome::kError;
      result.error = {"redirect_limit",
                      "more than " + std::to_string(options_.max_redirects) +
                          " redirects in a row; not following " +
                          result.redirect_to};
    } else if (InScope(result.redirect_to)) {
      const std::uint32_t target = Intern(result.redirect_to);
      Node& t = nodes_[target];
      if (t.state == State::kDiscovered && t.depth == kUnreached) {
        t.hops = static_cast<std::uint8_t>(hops);
      }
      nodes_[id].redirect = target;
      Relax(target, nodes_[id].depth, id);  // same depth: not a link
    }
  }
  // Depth-first pops from the back: the page's first link is fetched next.
  if (options_.order == FrontierOptions::Order::kDepthFirst) {
    std::reverse(queue_.begin() + queued_before, queue_.end());
  }
  Count(result);
  Publish();

  const Node& node = nodes_[id];
  PageRecord record;
  record.url = task.url;
  record.depth = node.depth;
  record.hops = node.hops;
  if (node.parent != kNoParent) record.parent = nodes_[node.parent].url;
  record.result = std::move(result);
  return record;
}

void Frontier::Count(const FetchResult& r) {
  ++counts_.pages;
  switch (r.outcome) {
    case Outcome::kFetched: ++counts_.fetched; break;
    case Outcome::kRedirect: ++counts_.redirects; break;
    case Outcome::kNotFound: ++counts_.not_found; break;
    case Outcome::kHttpError: ++counts_.http_errors; break;
    case Outcome::kError:
      ++counts_.errors;
      ++counts_.error_kinds[r.error.kind.empty() ? "unknown" : r.error.kind];
      break;
  }
  static const char* const kClasses[] = {"none", "1xx", "2xx", "3xx",
                                         "4xx",  "5xx"};
  const int c = r.http_status / 100;
  ++counts_.status_classes[c >= 1 && c <= 5 ? kClasses[c] : "none"];
  counts_.bytes += r.bytes;
  for (const auto& [reason, n] : r.dropped_links) counts_.dropped[reason] += n;
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
        // Already fetched: its links (and redirect) may now be within reach.
        for (std::uint32_t child : node.links) work.emplace_back(child, d + 1, i);
        if (node.redirect != kNoParent) work.emplace_back(node.redirect, d, i);
        break;
    }
  }
}

void Frontier::Publish() {
  if (options_.progress == nullptr) return;
  CrawlProgress& p = *options_.progress;
  constexpr auto kRelaxed = std::memory_order_relaxed;
  p.pages.store(counts_.pages, kRelaxed);
  p.in_flight.store(in_flight_, kRelaxed);
  p.queued.store(queue_.size(), kRelaxed);
  p.errors.store(counts_.errors, kRelaxed);
  p.bytes.store(counts_.bytes, kRelaxed);
}

CrawlSummary Frontier::Summary() const {
  CrawlSummary s = counts_;
  s.discovered = nodes_.size();
  s.stopped = Stopped();
  std::uint64_t beyond_depth = 0;
  for (const Node& node : nodes_) {
    if (node.state == State::kDiscovered) ++beyond_depth;
  }
  if (beyond_depth) s.dropped["depth"] += beyond_depth;
  if (!queue_.empty()) s.dropped[s.stopped ? "stopped" : "max_pages"] += queue_.size();
  return s;
}

}  // namespace crawl
