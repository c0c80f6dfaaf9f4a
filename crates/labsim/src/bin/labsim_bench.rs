//! `labsim-bench`: a load generator for a running labsim (loopback only).
//!
//! Reads `/_labsim/config` from the control URL, warms up, then for a fixed
//! time sends SigV4-signed (`execute-api`) `POST /v1/lab` requests from N
//! keep-alive connections and prints the throughput and latency. Afterwards
//! it reads `/_labsim/events` to measure, for a sample of the requests, the
//! lag from the API request to the document being searchable, and the
//! pipeline's backlog. It stops by itself.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use clap::Parser;
use serde_json::Value;
use tokio::net::TcpStream;

/// Load-tests a labsim's REST API with signed requests.
#[derive(Debug, Clone, Parser)]
// A later option wins, so scripts/bench.sh's defaults can be overridden.
#[command(name = "labsim-bench", args_override_self = true)]
struct Args {
    /// The labsim control URL (its STS port), e.g. http://127.0.0.1:9101.
    #[arg(long, default_value = "http://127.0.0.1:9101")]
    control: String,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    connections: u32,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    duration_s: u64,
    /// Seconds of unmeasured load first.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=60))]
    warmup_s: u64,
    /// Follow every Nth measured request from write to searchable.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    sample_every: u64,
    /// After the load, how long to wait for the sampled items to become
    /// searchable.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=600))]
    settle_timeout_s: u64,
    /// Offered load in requests/s over all connections; 0 sends as fast as
    /// the server answers.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Client worker threads (the server needs the other cores).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    threads: u32,
    /// Throughput target (req/s) to judge against.
    #[arg(long, default_value_t = 2000.0)]
    target_rps: f64,
    /// p99 latency target in milliseconds.
    #[arg(long, default_value_t = 20.0)]
    target_p99_ms: f64,
}

/// A loopback `host:port` and the path prefix of a URL.
#[derive(Debug, Clone)]
struct Target {
    authority: String,
    path: String,
}

fn parse_url(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => &authority[..i],
        _ => authority,
    };
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(format!("{url}: only loopback targets are allowed"));
    }
    Ok(Target {
        authority: authority.to_owned(),
        path: path.trim_end_matches('/').to_owned(),
    })
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A minimal HTTP/1.1 client connection with keep-alive.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Conn {
    async fn open(authority: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect(authority).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(8192),
        })
    }

    async fn write_all(&self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            self.stream.writable().await?;
            match self.stream.try_write(data) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads more bytes into the buffer; an error at end of stream.
    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16384];
        loop {
            self.stream.readable().await?;
            match self.stream.try_read(&mut chunk) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }

    async fn request(&mut self, head: &str, body: &[u8]) -> io::Result<Reply> {
        let mut out = Vec::with_capacity(head.len() + body.len());
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(body);
        self.write_all(&out).await?;
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> io::Result<Reply> {
        let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_owned());
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| bad("bad status line"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let body = if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            let mut body = Vec::new();
            loop {
                let line_end = loop {
                    if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    self.fill().await?;
                };
                let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
                let size =
                    usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| bad("bad chunk size"))?;
                self.buf.drain(..line_end + 2);
                while self.buf.len() < size + 2 {
                    self.fill().await?;
                }
                body.extend_from_slice(&self.buf[..size]);
                self.buf.drain(..size + 2);
                if size == 0 {
                    break;
                }
            }
            body
        } else {
            let len = match get("content-length") {
                Some(v) => v.parse::<usize>().map_err(|_| bad("bad content-length"))?,
                None => 0,
            };
            while self.buf.len() < len {
                self.fill().await?;
            }
            self.buf.drain(..len).collect()
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

/// A one-off GET on a fresh connection.
async fn get(authority: &str, path: &str) -> io::Result<Reply> {
    let mut conn = Conn::open(authority).await?;
    let head = format!("GET {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n\r\n");
    conn.request(&head, b"").await
}

async fn get_json(authority: &str, path: &str) -> Result<Value, String> {
    let reply = get(authority, path)
        .await
        .map_err(|e| format!("GET {path}: {e}"))?;
    if reply.status != 200 {
        return Err(format!("GET {path}: status {}", reply.status));
    }
    serde_json::from_slice(&reply.body).map_err(|e| format!("GET {path}: {e}"))
}

/// Signs for `execute-api` with the demo credentials.
struct Signer {
    identity: aws_credential_types::Credentials,
    region: String,
}

impl Signer {
    /// The header lines the signer adds for a POST of `body` to `url`.
    fn headers(&self, url: &str, body: &[u8]) -> Result<Vec<(String, String)>, String> {
        let identity = self.identity.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("execute-api")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let headers = [("content-type", "application/json")];
        let signable =
            SignableRequest::new("POST", url, headers.into_iter(), SignableBody::Bytes(body))
                .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let (added, _) = instructions.into_parts();
        Ok(added
            .into_iter()
            .map(|h| (h.name().to_owned(), h.value().to_owned()))
            .collect())
    }
}

/// What the load loop collects.
#[derive(Default)]
struct Results {
    /// Latency in microseconds of each measured request.
    latencies_us: Vec<u32>,
    /// Status code (0 for a connection error) to count.
    statuses: BTreeMap<u16, u64>,
    /// Sampled request ids.
    sampled: Vec<String>,
    warmup_requests: u64,
}

struct Shared {
    api: Target,
    url: String,
    signer: Signer,
    measure_from: Instant,
    end: Instant,
    sample_every: u64,
    /// Per connection, the time between request starts (None: no pacing).
    interval: Option<Duration>,
    measured: AtomicU64,
    results: Mutex<Results>,
}

async fn connection(shared: Arc<Shared>, conn_index: u32) {
    let mut local = Results::default();
    let mut conn: Option<Conn> = None;
    let mut n: u64 = 0;
    let mut next_send = Instant::now();
    while Instant::now() < shared.end {
        // Paced, a request belongs to the window it was due in: the timer
        // wakes a little late, and the last sends would otherwise fall out.
        let mut due = None;
        if let Some(interval) = shared.interval {
            tokio::time::sleep_until(next_send.into()).await;
            due = Some(next_send);
            next_send += interval;
        }
        if conn.is_none() {
            match Conn::open(&shared.api.authority).await {
                Ok(c) => conn = Some(c),
                Err(e) => {
                    eprintln!("labsim-bench: connect: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        n += 1;
        let body = format!(r#"{{"type":"bench","name":"bench-{conn_index}-{n}"}}"#);
        let started = Instant::now();
        let signed = match shared.signer.headers(&shared.url, body.as_bytes()) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("labsim-bench: signing: {e}");
                return;
            }
        };
        let mut head = format!(
            "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            shared.api.path,
            shared.api.authority,
            body.len()
        );
        for (name, value) in &signed {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let outcome = c.request(&head, body.as_bytes()).await;
        let elapsed = started.elapsed();
        let counted_at = due.unwrap_or(started);
        let measured = counted_at >= shared.measure_from && counted_at < shared.end;
        let (status, request_id, close) = match outcome {
            Ok(reply) => {
                let close = reply
                    .header("connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("close"));
                let id = reply.header("x-amzn-requestid").map(str::to_owned);
                (reply.status, id, close)
            }
            Err(_) => (0, None, true),
        };
        if close {
            conn = None;
        }
        if !measured {
            local.warmup_requests += 1;
            continue;
        }
        local
            .latencies_us
            .push(elapsed.as_micros().min(u32::MAX as u128) as u32);
        *local.statuses.entry(status).or_default() += 1;
        let seq = shared.measured.fetch_add(1, Ordering::Relaxed);
        if status == 200 && seq.is_multiple_of(shared.sample_every) {
            if let Some(id) = request_id {
                local.sampled.push(id);
            }
        }
    }
    let mut all = shared.results.lock().unwrap_or_else(|p| p.into_inner());
    all.latencies_us.extend(local.latencies_us);
    for (status, count) in local.statuses {
        *all.statuses.entry(status).or_default() += count;
    }
    all.sampled.extend(local.sampled);
    all.warmup_requests += local.warmup_requests;
}

/// The `q` quantile of sorted values.
fn quantile<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn ms(us: u32) -> f64 {
    f64::from(us) / 1000.0
}

/// What the timeline has shown so far, read incrementally after a cursor.
#[derive(Default)]
struct Tally {
    /// The last `seq` read.
    after: u64,
    written: u64,
    indexed: u64,
    searchable: u64,
    /// Sampled id -> when its API request was answered.
    requested: HashMap<String, i64>,
    /// Sampled id -> lag from api_request to searchable, in ms.
    lags: HashMap<String, i64>,
    /// How long each page request took, and how many events it brought.
    reads: Vec<(Duration, usize)>,
}

impl Tally {
    /// Reads every event after the cursor, a page at a time. labsim serves
    /// these reads from the timeline alone, without locking the simulator.
    async fn catch_up(
        &mut self,
        control: &Target,
        sampled: &HashSet<String>,
    ) -> Result<(), String> {
        loop {
            let path = format!(
                "{}/_labsim/events?after={}&limit=10000",
                control.path, self.after
            );
            let asked = Instant::now();
            let json = get_json(&control.authority, &path).await?;
            let took = asked.elapsed();
            let events = json
                .get("events")
                .and_then(Value::as_array)
                .ok_or("events: no events array")?;
            self.reads.push((took, events.len()));
            for e in events {
                self.count(e, sampled);
            }
            self.after = json
                .get("next")
                .and_then(Value::as_u64)
                .unwrap_or(self.after);
            if json.get("more").and_then(Value::as_bool) != Some(true) {
                return Ok(());
            }
        }
    }

    fn count(&mut self, e: &Value, sampled: &HashSet<String>) {
        let time = e.get("time_ms").and_then(Value::as_i64).unwrap_or(0);
        let field = |name: &str| e.get(name).and_then(Value::as_str);
        match e.get("kind").and_then(Value::as_str) {
            Some("api_request") => {
                if field("item_id").is_some() {
                    self.written += 1;
                }
                if let Some(id) = field("request_id").filter(|id| sampled.contains(*id)) {
                    self.requested.insert(id.to_owned(), time);
                }
            }
            Some("index_write") => self.indexed += 1,
            Some("searchable") => {
                self.searchable += 1;
                if let Some(id) = field("source_id").filter(|id| sampled.contains(*id)) {
                    if let Some(at) = self.requested.get(id) {
                        let lag = time - at;
                        self.lags.entry(id.to_owned()).or_insert(lag);
                    }
                }
            }
            _ => {}
        }
    }

    /// The slowest page read since `from`, and the events it brought.
    fn slowest_since(&self, from: usize) -> (Duration, usize) {
        self.reads[from..]
            .iter()
            .copied()
            .max_by_key(|(took, _)| *took)
            .unwrap_or_default()
    }
}

async fn run(args: Args) -> Result<bool, String> {
    let control = parse_url(&args.control)?;
    let config = get_json(
        &control.authority,
        &format!("{}/_labsim/config", control.path),
    )
    .await?;
    let api_url = config["endpoints"]["api"]
        .as_str()
        .ok_or("config: no endpoints.api")?
        .to_owned();
    let api = parse_url(&api_url)?;
    let region = config["region"].as_str().ok_or("config: no region")?;
    let c = &config["credentials"];
    let field = |name: &str| {
        c[name]
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("config: no credentials.{name}"))
    };
    let signer = Signer {
        identity: aws_credential_types::Credentials::new(
            field("AccessKeyId")?,
            field("SecretAccessKey")?,
            Some(field("SessionToken")?),
            None,
            "labsim-bench",
        ),
        region: region.to_owned(),
    };
    println!(
        "labsim-bench: POST {api_url} (SigV4 execute-api, {region}), {} connections, {} s warm-up + {} s measured, offered {}",
        args.connections,
        args.warmup_s,
        args.duration_s,
        if args.rate > 0.0 { format!("{} req/s", args.rate) } else { "as fast as answered".to_owned() }
    );
    // Only what this run causes: start reading after what is there now.
    let mut tally = Tally::default();
    tally.catch_up(&control, &HashSet::new()).await?;
    tally = Tally {
        after: tally.after,
        ..Tally::default()
    };
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup_s);
    let shared = Arc::new(Shared {
        api,
        url: api_url,
        signer,
        measure_from,
        end: measure_from + Duration::from_secs(args.duration_s),
        sample_every: args.sample_every,
        interval: (args.rate > 0.0)
            .then(|| Duration::from_secs_f64(f64::from(args.connections) / args.rate)),
        measured: AtomicU64::new(0),
        results: Mutex::new(Results::default()),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..args.connections {
        tasks.spawn(connection(shared.clone(), i));
    }
    while tasks.join_next().await.is_some() {}
    let load_ended_ms = now_ms();
    // Requests are counted by when they started, so the window is exact.
    let measured_s = args.duration_s as f64;
    let mut results =
        std::mem::take(&mut *shared.results.lock().unwrap_or_else(|p| p.into_inner()));
    results.latencies_us.sort_unstable();
    let total = results.latencies_us.len() as u64;
    let ok = results.statuses.get(&200).copied().unwrap_or(0);
    let rps = total as f64 / measured_s;
    let ok_rps = ok as f64 / measured_s;
    let q = |p: f64| quantile(&results.latencies_us, p).map_or(f64::NAN, ms);
    let p99 = q(0.99);
    println!();
    println!(
        "== load (measured {measured_s:.1} s, after {} warm-up requests)",
        results.warmup_requests
    );
    println!("requests:      {total}");
    println!("ok (200):      {ok}");
    let errors: Vec<String> = results
        .statuses
        .iter()
        .filter(|(s, _)| **s != 200)
        .map(|(s, n)| {
            if *s == 0 {
                format!("connection error: {n}")
            } else {
                format!("{s}: {n}")
            }
        })
        .collect();
    println!(
        "errors:        {}",
        if errors.is_empty() {
            "none".to_owned()
        } else {
            errors.join(", ")
        }
    );
    println!("throughput:    {rps:.0} req/s ({ok_rps:.0} ok/s)");
    println!(
        "latency ms:    p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        q(0.50),
        q(0.90),
        p99,
        results.latencies_us.last().map_or(f64::NAN, |v| ms(*v))
    );

    // Write -> searchable, for the sampled requests.
    let sampled: HashSet<String> = results.sampled.iter().cloned().collect();
    println!();
    println!(
        "== pipeline (sampled every {}th measured request: {} items)",
        args.sample_every,
        sampled.len()
    );
    tally.catch_up(&control, &sampled).await?;
    let (slowest, slowest_events) = tally.slowest_since(0);
    println!(
        "at end of load: items written {}, index writes {}, searchable {} (backlog to index {}, to searchable {}; read in {} pages, slowest {:.1} ms for {} events)",
        tally.written,
        tally.indexed,
        tally.searchable,
        tally.written.saturating_sub(tally.indexed),
        tally.written.saturating_sub(tally.searchable),
        tally.reads.len(),
        slowest.as_secs_f64() * 1000.0,
        slowest_events
    );
    let deadline = Instant::now() + Duration::from_secs(args.settle_timeout_s);
    let tail_from = tally.reads.len();
    while tally.lags.len() < sampled.len() && Instant::now() < deadline {
        // Cursor reads are cheap and do not hold the simulator: poll often.
        tokio::time::sleep(Duration::from_millis(500)).await;
        tally.catch_up(&control, &sampled).await?;
    }
    let settled_s = (now_ms() - load_ended_ms) as f64 / 1000.0;
    let mut lags: Vec<i64> = tally.lags.values().copied().collect();
    lags.sort_unstable();
    let (tail_slowest, tail_events) = tally.slowest_since(tail_from);
    println!(
        "{settled_s:.1} s after load: items written {}, index writes {}, searchable {} (cursor reads while settling: {}, slowest {:.1} ms for {} events)",
        tally.written,
        tally.indexed,
        tally.searchable,
        tally.reads.len() - tail_from,
        tail_slowest.as_secs_f64() * 1000.0,
        tail_events
    );
    println!("sampled items searchable: {}/{}", lags.len(), sampled.len());
    let lag = |p: f64| quantile(&lags, p).map_or("-".to_owned(), |v| v.to_string());
    println!(
        "write->searchable lag ms: p50 {}  p99 {}  max {}",
        lag(0.50),
        lag(0.99),
        lags.last().map_or("-".to_owned(), i64::to_string)
    );

    println!();
    let rps_met = ok_rps >= args.target_rps;
    let p99_met = p99 < args.target_p99_ms;
    let caught_up = lags.len() == sampled.len();
    println!(
        "targets: throughput >= {:.0} req/s: {} ({ok_rps:.0}); p99 < {} ms: {} ({p99:.2}); pipeline kept up: {}",
        args.target_rps,
        if rps_met { "MET" } else { "MISSED" },
        args.target_p99_ms,
        if p99_met { "MET" } else { "MISSED" },
        if caught_up { "yes" } else { "no" }
    );
    Ok(rps_met && p99_met && caught_up)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let threads = args.threads as usize;
    let runtime = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("labsim-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        // The figures were printed; a missed target is exit status 2.
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("labsim-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
