// crawl::Crawler: options -> the fetcher, the outputs and the engine, with
// the user's callbacks hooked into the Frontier (FrontierHooks) and into
// the record stream (RecordSink). See include/crawl/crawler.h.
//
// Threads: Run() runs the engine on the calling thread, plus a housekeeping
// thread that pushes out stale JSON Lines and stops the crawl when an
// output fails. Every user callback runs under callbacks_mu_, so callbacks
// never overlap whatever the engine; Stop() and Visit() take no lock a
// callback holds, so a callback may call them.
#include "crawl/crawler.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "crawl/lecture.h"
#include "crawl/url.h"
#include "crawler/state.h"
#include "engine/engines.h"
#include "engine/frontier.h"
#include "fetch/http_fetcher.h"
#include "output/jsonl_sink.h"
#include "output/mirror.h"
#include "output/warc_writer.h"
#include "store/redis_store.h"
#include "store/rocks_store.h"
#include "sync/mutex.h"
#include "util/codec.h"

namespace crawl {

bool Links::Add(std::string_view url) {
  UrlResult resolved = ResolveUrl(page_url_, url, max_url_length_);
  if (!resolved.ok()) return false;
  urls_.push_back(std::move(resolved.url));
  return true;
}

namespace {

// What `e` says, for an error message.
std::string WhatOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

FetchError CallbackError(const char* callback, const std::exception_ptr& e) {
  return {ErrorKind::kCallback,
          std::string(callback) + " threw: " + WhatOf(e)};
}

bool IsFailure(Outcome outcome) {
  return outcome == Outcome::kError || outcome == Outcome::kNotFound ||
         outcome == Outcome::kHttpError;
}

}  // namespace

class Crawler::Impl final : public FrontierHooks, public RecordSink {
 public:
  Impl(CrawlerOptions options, std::unique_ptr<Fetcher> fetcher)
      : options_(std::move(options)), fetcher_(std::move(fetcher)) {}

  ~Impl() override { CloseOutputs(); }

  // Normalises the seeds (their credentials go to the HTTP options), checks
  // the options, opens the outputs and the fetcher.
  Status Open(bool http) {
    CrawlOptions& crawl = options_.crawl;
    HttpOptions& h = options_.http;
    if (http) {
      // The seeds' own origins may be private (an intranet, a test
      // server); nothing else may, unless allow_private. A seed's userinfo
      // (or user/password) becomes credentials for its origin alone, and
      // leaves the URL.
      for (std::string& seed : crawl.seeds) {
        UrlResult url = NormalizeUrl(seed);
        if (!url.ok()) continue;  // ValidateCrawlOptions says why, below
        std::optional<UrlCredentials> creds = TakeUserInfo(url.url);
        if (!creds && !options_.user.empty()) {
          creds = UrlCredentials{std::string(UrlOrigin(url.url)), options_.user,
                                 options_.password};
        }
        if (creds) h.credentials.push_back(std::move(*creds));
        h.private_ok_origins.emplace_back(UrlOrigin(url.url));
        seed = std::move(url.url);
      }
    } else if (options_.output.warc || options_.output.mirror) {
      return Status::InvalidArgument(
          "the WARC and the mirror keep HTTP responses: they need the HTTP "
          "fetcher, not a Fetcher of one's own");
    }
    if (!options_.cluster.servers.empty()) {
      if (Status s = OpenCluster(); !s.ok()) return s;
    }
    // A cluster process without seeds, before the crawl has any, is
    // checked once it has (Run).
    if (!cluster_ || !crawl.seeds.empty() || !crawl.scope_seeds.empty()) {
      if (Status valid = ValidateCrawlOptions(crawl); !valid.ok()) return valid;
    }
    if (options_.output.warc) {
      if (options_.output.warc->name.empty()) {
        return Status::InvalidArgument("the WARC output needs a name");
      }
      h.keep_raw_body = true;  // the body as sent, for the record
    }
    if (!options_.state_dir.empty()) {
      if (Status s = OpenState(); !s.ok()) return s;
    }

    // The outputs, before the fetcher that calls them.
    if (options_.output.warc) {
      auto warc = OpenWarc();
      if (!warc.ok()) return warc.status();
      warc_ = std::move(*warc);
      keepers_.push_back(warc_.get());
    }
    if (options_.output.mirror) {
      auto mirror = Mirror::Open(*options_.output.mirror);
      if (!mirror.ok()) return mirror.status();
      mirror_ = std::move(*mirror);
      keepers_.push_back(mirror_.get());
    }
    const JsonlOptions& j = options_.output.jsonl;
    if (!j.path.empty()) {
      std::FILE* out = stdout;
      std::uint64_t offset = 0;
      if (j.path != "-") {
        if (Status s = OpenJsonlFile(j.path, &out, &offset); !s.ok()) return s;
        jsonl_file_ = out;
      }
      jsonl_ = std::make_unique<JsonlSink>(
          out, j.path == "-" ? "stdout" : j.path,
          JsonlFields{.links = j.links,
                      .warc = options_.output.warc.has_value(),
                      .mirror = options_.output.mirror.has_value()},
          offset);
    }

    if (http) {
      // The event engine turns the HTTP loop on its own thread (no
      // hand-off); the thread engines share a loop thread.
      h.own_thread = crawl.engine != Engine::kEvent;
      auto fetcher = std::make_unique<HttpFetcher>(h, options_.page, keepers_);
      if (!fetcher->status().ok()) return fetcher->status();
      http_ = fetcher.get();
      fetcher_ = std::move(fetcher);
    }
    crawl.stop = &stop_;
    crawl.progress = &progress_;
    return Status();
  }

  // --- The API ---

  RequestCallback on_request;
  ResponseCallback on_response;
  LinksCallback on_links;
  ErrorCallback on_error;
  RecordCallback on_record;

  Status Visit(std::string_view url, RequestData data) {
    UrlResult normalized = NormalizeUrl(url);
    if (!normalized.ok()) {
      return Status::InvalidArgument("cannot visit '" + std::string(url) +
                                     "': not a usable http(s) URL (" +
                                     UrlDropName(normalized.drop) + ")");
    }
    StripUserInfo(normalized.url);
    MutexLock lock(visits_mu_);
    if (visits_closed_ || stop_.load()) {
      return Status::FailedPrecondition("the crawl has ended");
    }
    visits_.emplace_back(std::move(normalized.url), std::move(data));
    visits_waiting_.store(true, std::memory_order_release);
    return Status();
  }

  void Stop() {
    stop_.store(true);
    if (fetcher_) fetcher_->CancelAll();
  }

  Result<CrawlSummary> Run() {
    if (ran_) return Status::FailedPrecondition("Run() was called already");
    ran_ = true;
    // Requests are built (and results handed back) only for callbacks that
    // read them: a crawl without them pays nothing per page.
    wants_requests_ = on_request || on_response || on_links;
    if (on_response && http_ != nullptr) http_->KeepResponses();
    Result<CrawlSummary> summary = Status::Internal("not run");
    try {
      std::thread housekeeper([this] { Housekeep(); });
      try {
        FrontierStore* store = store_ ? static_cast<FrontierStore*>(store_.get())
                                      : cluster_.get();
        if (Status joined = JoinCluster(); !joined.ok()) {
          summary = joined;
        } else if (cluster_ && options_.crawl.scope_seeds.empty() &&
                   options_.crawl.seeds.empty()) {
          summary = CrawlSummary();  // stopped while waiting
        } else {
          summary = RunCrawl(options_.crawl, *fetcher_, *this, this, store);
        }
        if (summary.ok()) summary->already_finished = already_finished_;
      } catch (...) {
        summary = Status::Internal("the crawl failed: " +
                                   WhatOf(std::current_exception()));
      }
      // However the engine ended (done, stopped or failed), a Visit from
      // now on is refused, not accepted and dropped.
      {
        MutexLock lock(visits_mu_);
        visits_closed_ = true;
      }
      {
        MutexLock lock(house_mu_);
        finished_ = true;
        house_cv_.NotifyAll();
      }
      housekeeper.join();
    } catch (const std::system_error& e) {  // no thread for the housekeeper
      summary = Status::Internal(std::string("cannot start a thread: ") + e.what());
    }
    {
      MutexLock lock(visits_mu_);
      visits_closed_ = true;
    }
    Status closed = CloseOutputs();
    if (!summary.ok()) return summary;
    if (!closed.ok()) return closed;
    summary->callback_errors = callback_errors_;
    return summary;
  }

  const CrawlProgress& progress() const { return progress_; }

  void Abandon() {
    for (ResponseSink* keeper : keepers_) keeper->Abandon();
  }

  // --- FrontierHooks (on the engine's Frontier thread) ---

  bool WantsRequests() const override { return wants_requests_; }

  FetchError OnRequest(Request& request) override {
    if (!on_request) return {};
    MutexLock lock(callbacks_mu_);
    try {
      on_request(request);
    } catch (...) {
      return CallbackError("OnRequest", std::current_exception());
    }
    for (const std::string& line : request.headers) {
      if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        return {ErrorKind::kCallback,
                "OnRequest added a header line with CR, LF or NUL"};
      }
    }
    return {};
  }

  void OnResult(const Request& request, FetchResult& result) override {
    if (on_response && result.response) {
      MutexLock lock(callbacks_mu_);
      try {
        on_response(request, *result.response);
      } catch (...) {
        Fail(result, CallbackError("OnResponse", std::current_exception()));
        return;
      }
    }
    if (on_links && result.outcome == Outcome::kFetched && result.html) {
      MutexLock lock(callbacks_mu_);
      Links links(result.links, request.url, options_.page.max_url_length);
      try {
        on_links(request, links);
      } catch (...) {
        Fail(result, CallbackError("OnLinks", std::current_exception()));
      }
    }
  }

  void TakeVisits(std::vector<std::pair<std::string, RequestData>>& out) override {
    if (!visits_waiting_.load(std::memory_order_acquire)) return;
    MutexLock lock(visits_mu_);
    for (auto& visit : visits_) out.push_back(std::move(visit));
    visits_.clear();
    visits_waiting_.store(false, std::memory_order_relaxed);
  }

  bool CloseVisits(bool force) override {
    MutexLock lock(visits_mu_);
    if (!visits_.empty() && !force) return false;
    visits_closed_ = true;
    return true;
  }

  // Every record streamed so far reaches the JSON Lines file, whose length
  // is then committed with the state; and a progress sample for `crawl
  // status`. A failed write throws: nothing more is committed, and a resumed
  // crawl cuts the file back to the last commit.
  void Checkpoint(FrontierStore::Meta& out) override {
    if (warc_) {
      std::string cdx;
      Result<WarcWriter::Position> at =
          warc_->Checkpoint(options_.output.warc->cdx ? &cdx : nullptr);
      if (!at.ok()) {
        throw StoreError(at.status().message() +
                         "; the state stays as of its last commit");
      }
      if (!cdx.empty()) out.emplace_back(WarcCdxMeta(warc_mark_.cdx_chunks++), std::move(cdx));
      warc_mark_.path = at->path;
      warc_mark_.index = at->index;
      warc_mark_.offset = at->offset;
      warc_mark_.warcinfo_id = at->warcinfo_id;
      out.emplace_back(kWarcMeta, EncodeWarcMark(warc_mark_));
    }
    if (jsonl_) {
      Result<std::uint64_t> at = jsonl_->Checkpoint();
      if (!at.ok()) {
        throw StoreError(at.status().message() +
                         "; the state stays as of its last commit");
      }
      if (jsonl_file_ != nullptr) {
        out.emplace_back(kJsonlMeta, EncodePosition({jsonl_canonical_, *at}));
      }
    }
    progress_log_.Add(UnixMillisNow(),
                      progress_.pages.load(std::memory_order_relaxed));
    out.emplace_back(kProgressMeta, progress_log_.Encode());
  }

  // --- RecordSink (one record at a time) ---

  void OnRecord(const PageRecord& record) override {
    if (on_error && IsFailure(record.result.outcome)) {
      FetchError error = record.result.error;
      if (record.result.outcome != Outcome::kError &&
          error.kind == ErrorKind::kNone) {
        error = {ErrorKind::kHttpStatus,
                 "HTTP " + std::to_string(record.result.http_status)};
      }
      MutexLock lock(callbacks_mu_);
      try {
        on_error(record, error);
      } catch (...) {
        ++callback_errors_;
      }
    }
    if (on_record) {
      MutexLock lock(callbacks_mu_);
      try {
        on_record(record);
      } catch (...) {
        ++callback_errors_;
      }
    }
    if (jsonl_) jsonl_->OnRecord(record);
  }

 private:
  static void Fail(FetchResult& result, FetchError error) {
    result.outcome = Outcome::kError;
    result.error = std::move(error);
    result.links.clear();
    result.nofollow_links.clear();
  }

  // Opens (or creates) the state in options_.state_dir and checks that it
  // is this crawl's.
  Status OpenState() {
    const std::string& dir = options_.state_dir;
    if (options_.crawl.engine != Engine::kEvent) {
      return Status::InvalidArgument(
          "--state needs the event engine (the default), not --engine " +
          std::string(EngineName(options_.crawl.engine)));
    }
    // Responses are kept (WARC, mirror) on the event loop's thread, the
    // master's, as they complete: so each commit finds in the WARC exactly
    // the records of the completions it commits, and none of a fetch still
    // in flight.
    options_.page.parse_threads = 0;
    try {
      store_ = RocksStore::Open(dir, FrontierStore::Order::kBreadthFirst,
                                RocksStore::Mode::kCreateOrOpen);
      const OptionList now = DefiningOptions(options_.crawl);
      const std::string saved = store_->LoadMeta(kOptionsMeta);
      if (saved.empty()) {  // a new crawl: what defines it, before any fetch
        std::string started;
        PutBe(started, static_cast<std::uint64_t>(UnixMillisNow()), 8);
        store_->Commit({{kOptionsMeta, EncodeOptions(now)},
                        {kStartedMeta, std::move(started)}});
      } else if (Status same = SameCrawl(DecodeOptions(saved), now, "in " + dir,
                                         "a resumed crawl keeps the options that define it "
                                         "(start a new crawl with another --state directory)");
                 !same.ok()) {
        store_.reset();
        return same;
      }
      already_finished_ = store_->LoadMeta(FrontierStore::kFinishedMeta) == "1";
      progress_log_.Load(store_->LoadMeta(kProgressMeta));
      jsonl_position_ = DecodePosition(store_->LoadMeta(kJsonlMeta));
      warc_mark_ = DecodeWarcMark(store_->LoadMeta(kWarcMeta));
    } catch (const StoreError& e) {
      store_.reset();
      std::string message = e.what();
      if (message.find(dir) == std::string::npos) {
        message = "state directory " + dir + ": " + message;
      }
      return Status::FailedPrecondition(message);
    }
    return Status();
  }

  // Joins the crawl options_.cluster names; its outputs get this
  // process's id in their names.
  Status OpenCluster() {
    ClusterOptions& c = options_.cluster;
    if (options_.crawl.engine != Engine::kEvent) {
      return Status::InvalidArgument(
          "--cluster needs the event engine (the default), not --engine " +
          std::string(EngineName(options_.crawl.engine)));
    }
    if (!options_.state_dir.empty()) {
      return Status::InvalidArgument(
          "--cluster keeps the crawl's state in Redis: not with --state");
    }
    if (options_.crawl.sitemaps) {
      return Status::InvalidArgument("--sitemaps does not work with --cluster yet");
    }
    if (!RedisStore::ValidCrawlId(c.crawl_id)) {
      return Status::InvalidArgument("--crawl-id: 1 to 64 of A-Z a-z 0-9 . _ - (got '" +
                                     c.crawl_id + "')");
    }
    if (!(c.lease_ttl_s >= 1)) return Status::InvalidArgument("--lease-ttl: at least 1 s");
    RedisStoreOptions ro;
    for (const std::string& url : c.servers) {
      RedisEndpoint e;
      std::string error;
      if (!ParseRedisUrl(url, e, error)) {
        RedisEndpoint shown;
        return Status::InvalidArgument("--cluster: " + error + " (" +
                                       (url.find('@') == std::string::npos ? url : "a URL") + ")");
      }
      if (!c.password.empty()) e.password = c.password;
      ro.servers.push_back(std::move(e));
    }
    if (c.process_id.empty()) {
      char host[256] = {};
      if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "crawl");
      c.process_id = std::string(host) + "-" + std::to_string(getpid());
    }
    for (char& ch : c.process_id) {
      const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
      if (!ok) ch = '_';
    }
    // As with --state: responses are kept on the event loop's thread, so
    // that a URL is completed in the cluster only once its WARC record and
    // mirror file are written.
    options_.page.parse_threads = 0;
    ro.crawl_id = c.crawl_id;
    ro.process_id = c.process_id;
    ro.lease_ttl_s = c.lease_ttl_s;
    ro.stop = &stop_;
    // No round trip yet: Redis is first reached in Run, where a stop ends
    // a wait for it.
    try {
      cluster_ = std::make_unique<RedisStore>(std::move(ro), FrontierStore::Order::kBreadthFirst);
    } catch (const StoreError& e) {
      return Status::FailedPrecondition(e.what());
    }
    // Each process its own outputs: out.jsonl -> out.ID.jsonl, and so on.
    const std::string& id = c.process_id;
    JsonlOptions& j = options_.output.jsonl;
    struct stat st {};
    const bool special = stat(j.path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);  // /dev/null
    if (!j.path.empty() && j.path != "-" && !special) {
      j.path = WithId(j.path, id, /*keep_extension=*/true);
    }
    if (options_.output.warc) {
      options_.output.warc->name = WithId(options_.output.warc->name, id, false);
    }
    if (options_.output.mirror) {
      std::string& dir = options_.output.mirror->dir;
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      dir = WithId(dir, id, false);
    }
    return Status();
  }

  // "dir/out.jsonl" -> "dir/out.ID.jsonl" (or "dir/out.jsonl.ID").
  static std::string WithId(const std::string& path, const std::string& id, bool keep_extension) {
    const std::size_t slash = path.rfind('/');
    const std::size_t base = slash == std::string::npos ? 0 : slash + 1;
    const std::size_t dot = path.rfind('.');
    if (keep_extension && dot != std::string::npos && dot > base) {
      return path.substr(0, dot) + "." + id + path.substr(dot);
    }
    return path + "." + id;
  }

  // What defines a cluster crawl: as for --state, without --max-pages (a
  // limit of each process's) and --sitemaps; the seeds are the first
  // process's, kept as the crawl's scope.
  static OptionList ClusterDefining(const CrawlOptions& crawl) {
    OptionList out;
    for (auto& [name, value] : DefiningOptions(crawl)) {
      if (name == "--max-pages" || name == "--sitemaps") continue;
      out.emplace_back(std::move(name), std::move(value));
    }
    return out;
  }

  // Checks this process's options against the crawl's (`saved`), and takes
  // its seeds as the scope's.
  Status SameClusterCrawl(const std::string& saved) {
    OptionList theirs;
    try {
      theirs = DecodeOptions(saved);
    } catch (const StoreError&) {
      return Status::FailedPrecondition("the crawl " + options_.cluster.crawl_id +
                                        "'s options in Redis cannot be read (another "
                                        "program's keys?)");
    }
    OptionList a, b;
    options_.crawl.scope_seeds.clear();
    for (auto& [name, value] : theirs) {
      if (name == "seed") {
        options_.crawl.scope_seeds.push_back(value);
      } else {
        a.emplace_back(name, value);
      }
    }
    for (auto& [name, value] : ClusterDefining(options_.crawl)) {
      if (name != "seed") b.emplace_back(std::move(name), std::move(value));
    }
    return SameCrawl(a, b, options_.cluster.crawl_id + " on the cluster",
                     "every process of a crawl has the options that define it "
                     "(start another crawl with a new --crawl-id)");
  }

  // Joins the cluster crawl (Run): this process counts as alive from now
  // on; a process with seeds stores the crawl's defining options if it has
  // none yet, one without waits for a process that has seeds to (or for a
  // stop); this process's options are checked against them.
  Status JoinCluster() {
    if (!cluster_) return Status();
    bool joined = false;
    try {
      cluster_->Join();
      joined = true;
      const std::string mine =
          options_.crawl.seeds.empty() ? "" : EncodeOptions(ClusterDefining(options_.crawl));
      bool said = false;
      while (!stop_.load()) {
        const std::string saved = cluster_->ClaimOptions(mine);
        if (!saved.empty()) {
          Status same = SameClusterCrawl(saved);
          if (!same.ok()) cluster_->Sync();  // leaves at once: not counted as alive
          return same;
        }
        if (!said) {
          std::fprintf(stderr, "crawl: waiting for the first seed of crawl %s\n",
                       options_.cluster.crawl_id.c_str());
          said = true;
        }
        cluster_->Heartbeat();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      cluster_->Sync();  // stopped while waiting: leaves
    } catch (const StoreError& e) {
      if (joined) {
        try {
          cluster_->Sync();
        } catch (const StoreError&) {
          // Redis is out of reach: the liveness lapses by itself.
        }
      }
      return Status::FailedPrecondition(e.what());
    }
    return Status();
  }

  // The WARC writer: new, or with a state whose last commit had one, that
  // writer's files continued from the committed position.
  Result<std::unique_ptr<WarcWriter>> OpenWarc() {
    const WarcOptions& w = *options_.output.warc;
    if (!store_ || warc_mark_.path.empty()) return WarcWriter::Open(w);
    std::string cdx;
    try {
      for (std::uint64_t k = 0; w.cdx && k < warc_mark_.cdx_chunks; ++k) {
        cdx += store_->LoadMeta(WarcCdxMeta(k));
      }
    } catch (const StoreError& e) {
      return Status::FailedPrecondition(e.what());
    }
    WarcWriter::Position at{warc_mark_.path, warc_mark_.index, warc_mark_.offset,
                            warc_mark_.warcinfo_id};
    return WarcWriter::Resume(w, at, std::move(cdx));
  }

  // Opens the JSON Lines file `path`: truncated, or with a state, cut back
  // to the length its last commit recorded (a crawl killed since then may
  // have written more), to be continued.
  Status OpenJsonlFile(const std::string& path, std::FILE** out,
                       std::uint64_t* offset) {
    auto error = [&](const char* what) {
      return Status::IoError(std::string("cannot ") + what + " " + path + ": " +
                             std::strerror(errno));
    };
    if (!store_) {
      *out = std::fopen(path.c_str(), "w");
      if (*out == nullptr) return error("open");
      *offset = 0;
      return Status();
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return error("open");
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      const Status s = error("read");
      ::close(fd);
      return s;
    }
    // The file by its canonical path, however -o spells it.
    std::error_code ec;
    jsonl_canonical_ = std::filesystem::weakly_canonical(path, ec).string();
    if (ec) jsonl_canonical_ = path;
    std::uint64_t at = 0;
    if (jsonl_position_.path == jsonl_canonical_) {
      at = jsonl_position_.offset;
    } else if (!jsonl_position_.path.empty() && S_ISREG(st.st_mode) && st.st_size > 0) {
      // Another file than the one the crawl continued, with something in
      // it: not truncated (it may be an earlier run's records).
      ::close(fd);
      return Status::FailedPrecondition(
          "the crawl in " + options_.state_dir + " writes its records to " +
          jsonl_position_.path + ", not to " + path +
          ", which is not empty: give -o " + jsonl_position_.path +
          ", or a new file");
    }
    if (S_ISREG(st.st_mode)) {
      if (static_cast<std::uint64_t>(st.st_size) < at) {
        ::close(fd);
        return Status::FailedPrecondition(
            path + " holds " + std::to_string(st.st_size) +
            " bytes, fewer than the " + std::to_string(at) + " the crawl in " +
            options_.state_dir +
            " committed to it: it is not that crawl's output (restore it, or "
            "give another -o)");
      }
      if (ftruncate(fd, static_cast<off_t>(at)) != 0 ||
          lseek(fd, 0, SEEK_END) < 0) {
        const Status s = error("cut back");
        ::close(fd);
        return s;
      }
    } else {
      at = 0;  // a pipe, a terminal, /dev/null: nothing to cut
    }
    *out = fdopen(fd, "w");  // does not truncate
    if (*out == nullptr) {
      const Status s = error("open");
      ::close(fd);
      return s;
    }
    *offset = at;
    return Status();
  }

  bool OutputFailed() const {
    if (jsonl_ && jsonl_->failed()) return true;
    for (const ResponseSink* keeper : keepers_) {
      if (keeper->failed()) return true;
    }
    return false;
  }

  // Until the crawl ends: pushes out JSON Lines a second old, and stops
  // the crawl when an output fails.
  void Housekeep() {
    MutexLock lock(house_mu_);
    while (!finished_) {
      house_cv_.WaitUntil(lock, std::chrono::steady_clock::now() +
                                    std::chrono::milliseconds(200));
      if (jsonl_) jsonl_->FlushIfStale();
      if (OutputFailed() && !stop_.load()) Stop();
    }
  }

  // Finishes every output once; the first failure, if any.
  Status CloseOutputs() {
    if (closed_) return close_status_;
    closed_ = true;
    Status first;
    for (ResponseSink* keeper : keepers_) {
      if (Status s = keeper->Close(); !s.ok() && first.ok()) first = s;
    }
    if (jsonl_) {
      jsonl_->Flush();
      if (!jsonl_->status().ok() && first.ok()) first = jsonl_->status();
    }
    if (jsonl_file_ != nullptr) {
      if (std::fclose(jsonl_file_) != 0 && first.ok()) {
        first = Status::IoError("cannot write " + options_.output.jsonl.path +
                                ": " + std::strerror(errno));
      }
      jsonl_file_ = nullptr;
    }
    close_status_ = first;
    return first;
  }

  CrawlerOptions options_;
  // The outputs first: the fetcher, destroyed before them, calls them.
  std::unique_ptr<WarcWriter> warc_;
  std::unique_ptr<Mirror> mirror_;
  std::vector<ResponseSink*> keepers_;  // warc_, mirror_
  std::FILE* jsonl_file_ = nullptr;     // owned, unless stdout
  std::unique_ptr<JsonlSink> jsonl_;
  std::unique_ptr<Fetcher> fetcher_;
  HttpFetcher* http_ = nullptr;  // fetcher_, when it is ours
  // With a state directory: the store (holding its lock until the Crawler
  // goes), what its last commit said, and the progress log.
  std::unique_ptr<RocksStore> store_;
  // With a cluster: this process's part of the shared store.
  std::unique_ptr<RedisStore> cluster_;
  bool already_finished_ = false;
  OutputPosition jsonl_position_;
  std::string jsonl_canonical_;  // the -o file's canonical path
  WarcMark warc_mark_;  // as last committed
  ProgressLog progress_log_;

  std::atomic<bool> stop_{false};
  CrawlProgress progress_;
  bool ran_ = false;
  bool wants_requests_ = false;
  bool closed_ = false;
  Status close_status_;

  Mutex callbacks_mu_;  // one callback at a time
  std::uint64_t callback_errors_ = 0;  // under callbacks_mu_ or after Run

  Mutex visits_mu_;
  std::vector<std::pair<std::string, RequestData>> visits_ GUARDED_BY(visits_mu_);
  bool visits_closed_ GUARDED_BY(visits_mu_) = false;
  std::atomic<bool> visits_waiting_{false};

  Mutex house_mu_;
  CondVar house_cv_;
  bool finished_ GUARDED_BY(house_mu_) = false;
};

// --- Crawler ---

Crawler::Crawler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Crawler::~Crawler() = default;

Result<std::unique_ptr<Crawler>> Crawler::Open(CrawlerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options), nullptr);
  if (Status s = impl->Open(/*http=*/true); !s.ok()) return s;
  return std::unique_ptr<Crawler>(new Crawler(std::move(impl)));
}

Result<std::unique_ptr<Crawler>> Crawler::Open(CrawlerOptions options,
                                               std::unique_ptr<Fetcher> fetcher) {
  if (!fetcher) return Status::InvalidArgument("no fetcher given");
  auto impl = std::make_unique<Impl>(std::move(options), std::move(fetcher));
  if (Status s = impl->Open(/*http=*/false); !s.ok()) return s;
  return std::unique_ptr<Crawler>(new Crawler(std::move(impl)));
}

void Crawler::OnRequest(RequestCallback callback) {
  impl_->on_request = std::move(callback);
}
void Crawler::OnResponse(ResponseCallback callback) {
  impl_->on_response = std::move(callback);
}
void Crawler::OnLinks(LinksCallback callback) {
  impl_->on_links = std::move(callback);
}
void Crawler::OnError(ErrorCallback callback) {
  impl_->on_error = std::move(callback);
}
void Crawler::OnRecord(RecordCallback callback) {
  impl_->on_record = std::move(callback);
}
Status Crawler::Visit(std::string_view url, RequestData data) {
  return impl_->Visit(url, std::move(data));
}
void Crawler::Stop() { impl_->Stop(); }
Result<CrawlSummary> Crawler::Run() { return impl_->Run(); }
const CrawlProgress& Crawler::progress() const { return impl_->progress(); }
void Crawler::Abandon() { impl_->Abandon(); }

}  // namespace crawl
