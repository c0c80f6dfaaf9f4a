//! The native server: real HTTP in and out of the core's plain structs, with
//! the time taken from the system clock (plus the lead a test may give the
//! simulator's clock, `Simulator::clock`).

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use labsim::timeline::SharedTimeline;
use labsim::{control, message, Service, Simulator};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::services::ServeDir;

use crate::Args;

type Shared = Arc<Mutex<Simulator>>;

/// The simulator, even after a panic elsewhere: that cannot leave it
/// half-updated in a way that matters more than stopping service.
fn lock(sim: &Shared) -> MutexGuard<'_, Simulator> {
    sim.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Requests waiting for the simulator: the ticker lets them go first.
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// [`lock`] for a request, counted in [`WAITING`] until it has the lock.
fn lock_for_request(sim: &Shared) -> MutexGuard<'_, Simulator> {
    WAITING.fetch_add(1, Ordering::SeqCst);
    let guard = lock(sim);
    WAITING.fetch_sub(1, Ordering::SeqCst);
    guard
}

/// Writes a line of the per-request log to stderr from a thread of its own,
/// so no answer waits on stderr; lines are written in batches and flushed
/// as soon as none are waiting.
fn log_request(line: String) {
    static LOG: OnceLock<mpsc::Sender<String>> = OnceLock::new();
    let log = LOG.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut out = io::BufWriter::new(io::stderr());
            while let Ok(line) = receiver.recv() {
                let _ = writeln!(out, "{line}");
                while let Ok(line) = receiver.try_recv() {
                    let _ = writeln!(out, "{line}");
                }
                let _ = out.flush();
            }
        });
        sender
    });
    let _ = log.send(line);
}

/// The system clock in epoch milliseconds, the core's unit of time.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The URL a client uses to reach `host:port`. A wildcard address is not
/// reachable as such, so it is advertised as loopback.
pub fn base_url(host: &str, port: u16) -> String {
    match host.parse::<IpAddr>() {
        Ok(ip) if ip.is_unspecified() && ip.is_ipv4() => format!("http://127.0.0.1:{port}"),
        Ok(ip) if ip.is_unspecified() => format!("http://[::1]:{port}"),
        Ok(IpAddr::V6(ip)) => format!("http://[{ip}]:{port}"),
        _ => format!("http://{host}:{port}"),
    }
}

/// How often the background task lets time pass in the simulator (the
/// Lambda poller runs on it).
const TICK_MS: u64 = 50;
/// Stream records of Lambda work per hold of the simulator lock. A batch
/// of 100 takes over 10 ms, and every request would wait behind it; four
/// take well under one.
const TICK_BUDGET: usize = 4;
/// How long the ticker steps aside, between two steps, for requests that
/// are waiting for the simulator.
const TICK_STEP_PAUSE: Duration = Duration::from_micros(100);

/// Binds every port, prints the endpoints and credentials, then serves until
/// SIGINT or SIGTERM.
pub async fn run(args: Args, seed: u64) -> io::Result<()> {
    let mut listeners = Vec::new();
    for (service, port) in Service::ALL.iter().zip(args.ports()) {
        listeners.push((*service, bind(&args.host, port, service.key()).await?));
    }
    let mut ports = [0u16; 8];
    for (slot, (_, listener)) in ports.iter_mut().zip(&listeners) {
        *slot = listener.local_addr()?.port();
    }
    let static_site = match &args.static_dir {
        Some(dir) => Some((
            bind(&args.host, args.static_port, "static").await?,
            dir.clone(),
        )),
        None => None,
    };
    let static_url = match &static_site {
        Some((listener, _)) => Some(base_url(&args.host, listener.local_addr()?.port())),
        None => None,
    };
    let sim = Simulator::new(
        args.sim_config(seed, ports, static_url.as_deref()),
        now_ms(),
    );
    let app_url = static_url
        .as_ref()
        .map(|site| format!("{site}{}", args.static_prefix));
    print_banner(
        &sim,
        seed,
        app_url
            .as_deref()
            .zip(static_site.as_ref().map(|(_, dir)| dir.as_path())),
    );
    let routes = same_origin_routes(&sim);
    let connect_sources = connect_sources(&sim);
    // Timeline reads are served from this handle, not through the lock.
    let timeline = sim.timeline().clone();
    let sim: Shared = Arc::new(Mutex::new(sim));

    let (stop, stopped) = watch::channel(false);
    let mut servers = tokio::task::JoinSet::new();
    for (service, listener) in listeners {
        let app = Router::new().fallback(service_handler).with_state((
            sim.clone(),
            service,
            timeline.clone(),
        ));
        servers.spawn(serve_service(
            DroppableListener(listener),
            app,
            stopped.clone(),
        ));
    }
    if let Some((listener, dir)) = static_site {
        servers.spawn(serve_service(
            DroppableListener(listener),
            static_app(
                StaticSite {
                    dir,
                    prefix: args.static_prefix.clone(),
                    connect_sources,
                },
                &sim,
                routes,
            ),
            stopped,
        ));
    }
    let ticking = Arc::new(AtomicBool::new(true));
    let ticker = {
        let sim = sim.clone();
        let ticking = ticking.clone();
        std::thread::spawn(move || {
            let period = Duration::from_millis(TICK_MS);
            let mut next = Instant::now() + period;
            while ticking.load(Ordering::Relaxed) {
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
                // Every TICK_MS from one tick's start to the next, however
                // long the steps took, so the poller keeps its pace.
                next = Instant::now().max(next) + period;
                let mut more = {
                    let mut guard = lock(&sim);
                    let now = guard.clock(now_ms());
                    guard.tick_start(now, TICK_BUDGET)
                };
                while more && ticking.load(Ordering::Relaxed) {
                    // A mutex is not fair: without a pause the ticker would
                    // take it straight back from the requests queued behind
                    // the last step.
                    if WAITING.load(Ordering::SeqCst) > 0 {
                        std::thread::sleep(TICK_STEP_PAUSE);
                    }
                    let mut guard = lock(&sim);
                    let now = guard.clock(now_ms());
                    more = guard.tick_continue(now, TICK_BUDGET);
                }
            }
        })
    };
    let shutdown = shutdown_signal();
    println!("labsim ready");

    let result = tokio::select! {
        () = shutdown => Ok(()),
        Some(ended) = servers.join_next() => {
            // A server only ends early on an error.
            ended.map_err(io::Error::other).and_then(|r| r)
        }
    };
    let _ = stop.send(true);
    ticking.store(false, Ordering::Relaxed);
    let _ = ticker.join();
    result?;
    while let Some(ended) = servers.join_next().await {
        ended.map_err(io::Error::other)??;
    }
    Ok(())
}

async fn bind(host: &str, port: u16, what: &str) -> io::Result<TcpListener> {
    TcpListener::bind((host, port)).await.map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot listen for {what} on {host}:{port}: {e}"),
        )
    })
}

/// Serves a service port, whose handler may close a connection without
/// answering (an injected `drop` fault).
async fn serve_service(
    listener: DroppableListener,
    app: Router,
    mut stopped: watch::Receiver<bool>,
) -> io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<DropHandle>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    })
    .await
}

/// A TCP listener whose connections can be cut from inside a handler.
struct DroppableListener(TcpListener);

/// A connection that fails every read and write once cut, so the server
/// closes it without sending a byte.
struct DroppableStream {
    inner: tokio::net::TcpStream,
    cut: Arc<AtomicBool>,
}

/// Given to handlers: cuts its connection.
#[derive(Clone)]
struct DropHandle(Arc<AtomicBool>);

impl axum::serve::Listener for DroppableListener {
    type Io = DroppableStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (inner, addr) = axum::serve::Listener::accept(&mut self.0).await;
        let stream = DroppableStream {
            inner,
            cut: Arc::new(AtomicBool::new(false)),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, DroppableListener>>
    for DropHandle
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, DroppableListener>) -> Self {
        DropHandle(stream.io().cut.clone())
    }
}

fn cut_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "dropped by a labsim fault",
    )
}

impl tokio::io::AsyncRead for DroppableStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        if self.cut.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(Err(cut_error()));
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for DroppableStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        if self.cut.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(Err(cut_error()));
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        if self.cut.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(Err(cut_error()));
        }
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Prints shell lines: comments, `export` lines for the demo credentials and
/// endpoint, then `labsim ready` (printed by the caller once serving).
fn print_banner(sim: &Simulator, seed: u64, static_site: Option<(&str, &Path)>) {
    let config = sim.lab_config();
    let endpoint = |service: Service| config.endpoints[service.key()].as_str();
    let sts = endpoint(Service::Sts);
    let c = &config.credentials;
    println!("# labsim: STS {sts} (region {})", config.region);
    println!("# labsim: API {} (POST)", endpoint(Service::ApiGateway));
    println!("# labsim: DynamoDB {}", endpoint(Service::DynamoDb));
    println!("# labsim: DynamoDB Streams {}", endpoint(Service::Streams));
    println!("# labsim: Lambda {}", endpoint(Service::Lambda));
    println!("# labsim: CloudWatch Logs {}", endpoint(Service::Logs));
    println!(
        "# labsim: OpenSearch Serverless {}",
        endpoint(Service::Aoss)
    );
    println!(
        "# labsim: IAM {} (signed for us-east-1)",
        endpoint(Service::Iam)
    );
    println!("# labsim: control {sts}/_labsim/config");
    if let Some((url, dir)) = static_site {
        println!("# labsim: static files {url} from {}", dir.display());
    }
    println!("# labsim: caller {}", config.identity.arn);
    println!("# labsim: seed {seed}; credentials expire {}", c.expiration);
    println!("export AWS_ACCESS_KEY_ID={}", c.access_key_id);
    println!("export AWS_SECRET_ACCESS_KEY={}", c.secret_access_key);
    println!("export AWS_SESSION_TOKEN={}", c.session_token);
    println!("export AWS_REGION={}", config.region);
    println!("export AWS_DEFAULT_REGION={}", config.region);
    println!("export AWS_ENDPOINT_URL_STS={sts}");
    println!(
        "export AWS_ENDPOINT_URL_DYNAMODB={}",
        endpoint(Service::DynamoDb)
    );
    println!(
        "export AWS_ENDPOINT_URL_DYNAMODB_STREAMS={}",
        endpoint(Service::Streams)
    );
    println!(
        "export AWS_ENDPOINT_URL_LAMBDA={}",
        endpoint(Service::Lambda)
    );
    println!(
        "export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS={}",
        endpoint(Service::Logs)
    );
    println!("export AWS_ENDPOINT_URL_IAM={}", endpoint(Service::Iam));
}

/// Every request to a service port goes to the core as received.
async fn service_handler(
    State((sim, service, timeline)): State<(Shared, Service, SharedTimeline)>,
    ConnectInfo(connection): ConnectInfo<DropHandle>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let req = core_request(&method, uri.path(), &uri, &headers);
    // The timeline's reads take no body.
    if let Some(res) = control::answer_timeline_read(&timeline, &req, now_ms()) {
        return to_axum(res);
    }
    forward(&sim, service, req, body, &connection).await
}

/// How much of a body past its limit is read (and dropped) so that a client
/// still sending gets the refusal rather than a reset connection; past
/// this, the connection is closed after the answer.
const DRAIN_MAX_BYTES: usize = 64 * 1024 * 1024;

/// A request body, read up to a service's limit.
enum ReadBody {
    Within(Vec<u8>),
    /// Over the limit (the rest read and dropped, up to DRAIN_MAX_BYTES).
    TooLarge,
}

/// Reads `body` (of `declared` length, if the client said) up to `max`
/// bytes; the HTTP library's own 2 MiB default does not apply, each service
/// has its own limit.
async fn read_body(
    mut body: Body,
    declared: Option<usize>,
    max: usize,
) -> Result<ReadBody, axum::Error> {
    use http_body_util::BodyExt;
    let mut data = Vec::with_capacity(declared.unwrap_or(0).min(max));
    let mut over = declared.is_some_and(|n| n > max);
    let mut dropped = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(chunk) = frame?.into_data() else {
            continue;
        };
        if !over && data.len() + chunk.len() <= max {
            data.extend_from_slice(&chunk);
            continue;
        }
        over = true;
        data = Vec::new();
        dropped += chunk.len();
        if dropped > DRAIN_MAX_BYTES {
            break;
        }
    }
    Ok(if over {
        ReadBody::TooLarge
    } else {
        ReadBody::Within(data)
    })
}

/// A same-origin route on the static server: `prefix` + a path of the
/// service's, as a CloudFront behaviour with a prefix-stripping function and
/// the `AllViewerExceptHostHeader` origin request policy routes it.
#[derive(Clone, Debug)]
struct Route {
    prefix: &'static str,
    service: Service,
    /// The service's own `host:port`: the Host the origin sees, and so the
    /// host the request must be signed for.
    host: String,
}

/// The static server's same-origin routes: path prefix to service.
pub use lab_model::names::SAME_ORIGIN_ROUTES;

/// [`SAME_ORIGIN_ROUTES`], each with the host its service is served at.
fn same_origin_routes(sim: &Simulator) -> Vec<Route> {
    let endpoints = &sim.config().endpoints;
    SAME_ORIGIN_ROUTES
        .into_iter()
        .filter_map(|(service, prefix)| {
            let endpoint = endpoints.get(service.key())?;
            let host = endpoint.split_once("://")?.1.split('/').next()?;
            Some(Route {
                prefix,
                service,
                host: host.to_owned(),
            })
        })
        .collect()
}

async fn route_handler(
    State((sim, route)): State<(Shared, Route)>,
    ConnectInfo(connection): ConnectInfo<DropHandle>,
    method: Method,
    uri: Uri,
    mut headers: HeaderMap,
    body: Body,
) -> Response {
    let path = match uri.path().strip_prefix(route.prefix) {
        Some("") => "/",
        Some(rest) => rest,
        None => uri.path(),
    };
    if let Ok(host) = HeaderValue::from_str(&route.host) {
        headers.insert(header::HOST, host);
    }
    let req = core_request(&method, path, &uri, &headers);
    forward(&sim, route.service, req, body, &connection).await
}

/// The core's request, without its body yet.
fn core_request(method: &Method, path: &str, uri: &Uri, headers: &HeaderMap) -> message::Request {
    message::Request {
        method: method.as_str().to_owned(),
        path: path.to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers: headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        body: Vec::new(),
    }
}

/// Reads the body of `req` (up to the service's limit), hands the request
/// to the core and turns its answer into HTTP, applying an injected delay
/// or cutting the connection.
async fn forward(
    sim: &Shared,
    service: Service,
    mut req: message::Request,
    body: Body,
    connection: &DropHandle,
) -> Response {
    let declared = req
        .header("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok());
    let max = labsim::body_limit::max_body_bytes(service, &req.path);
    match read_body(body, declared, max).await {
        Ok(ReadBody::Within(data)) => req.body = data,
        Ok(ReadBody::TooLarge) => {
            let res = {
                let mut guard = lock_for_request(sim);
                let now = guard.clock(now_ms());
                guard.refuse_too_large(service, &req, now)
            };
            log_request(format!(
                "labsim: {} {} {} -> {} (body over {max} bytes)",
                service.key(),
                req.method,
                req.path,
                res.status
            ));
            return to_axum(res);
        }
        // The client went away mid-body: no one to answer.
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    }
    let answer = {
        let mut guard = lock_for_request(sim);
        let now = guard.clock(now_ms());
        guard.answer(service, &req, now)
    };
    if answer.drop {
        log_request(format!(
            "labsim: {} {} {} -> dropped (fault)",
            service.key(),
            req.method,
            req.path
        ));
        // The response below is never written: the connection is cut.
        connection.0.store(true, Ordering::SeqCst);
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if answer.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(answer.delay_ms)).await;
    }
    let res = answer.response;
    log_request(format!(
        "labsim: {} {} {} -> {}",
        service.key(),
        req.method,
        req.path,
        res.status
    ));
    to_axum(res)
}

fn to_axum(res: message::Response) -> Response {
    // Built bare (not with IntoResponse, which adds its own Content-Type), so
    // the headers are exactly the core's.
    let mut out = Response::new(axum::body::Body::from(res.body));
    *out.status_mut() =
        StatusCode::from_u16(res.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &res.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            out.headers_mut().append(name, value);
        }
    }
    out
}

/// `--static-prefix`: `/` (the root, kept as "") or a path such as
/// `/course/labmate`, without its trailing slash.
pub fn parse_static_prefix(text: &str) -> Result<String, String> {
    let prefix = text.trim_end_matches('/');
    if !text.starts_with('/') {
        return Err(format!("{text:?} does not start with /"));
    }
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
    };
    if !prefix.is_empty() && !prefix[1..].split('/').all(segment_ok) {
        return Err(format!(
            "{text:?} is not a plain path (letters, digits, - _ . ~ between slashes)"
        ));
    }
    if let Some((_, route)) = SAME_ORIGIN_ROUTES
        .iter()
        .find(|(_, route)| prefix == *route || prefix.starts_with(&format!("{route}/")))
    {
        return Err(format!(
            "{text:?} is under the route {route}, which goes to a service"
        ));
    }
    Ok(prefix.to_owned())
}

/// What the static server serves: the built app, where, and the origins
/// its page may connect to besides its own.
#[derive(Clone)]
struct StaticSite {
    dir: PathBuf,
    /// "" or `/a/b`.
    prefix: String,
    connect_sources: String,
}

/// The origins of labsim's services and control: the endpoints the demo
/// configures, which the page's Content-Security-Policy must allow as an
/// instructor's build lists theirs (`LABMATE_CONNECT_SRC`).
fn connect_sources(sim: &Simulator) -> String {
    let mut origins: Vec<&str> = sim
        .config()
        .endpoints
        .values()
        .filter_map(|url| {
            let (scheme, rest) = url.split_once("://")?;
            let host_end = rest.find('/').unwrap_or(rest.len());
            Some(&url[..scheme.len() + 3 + host_end])
        })
        .collect();
    origins.sort_unstable();
    origins.dedup();
    origins.join(" ")
}

/// index.html with labsim's origins added to its policy's connect-src.
/// A page built without a policy is served as it is.
fn with_connect_sources(html: &str, sources: &str) -> String {
    const DIRECTIVE: &str = "connect-src 'self'";
    if sources.is_empty() || !html.contains("Content-Security-Policy") {
        return html.to_owned();
    }
    html.replacen(DIRECTIVE, &format!("{DIRECTIVE} {sources}"), 1)
}

/// Static files for a single-page app under the site's prefix, plus the
/// same-origin routes to the services at the root (as a CloudFront
/// distribution's behaviours). Unknown paths under the prefix that do not
/// look like files get `index.html` (client-side routes); the prefix
/// without its slash, and `/`, redirect to the app, whose asset URLs are
/// relative. No file is cached, so a rebuilt app shows on reload.
fn static_app(site: StaticSite, sim: &Shared, routes: Vec<Route>) -> Router {
    let mut app = Router::new();
    for route in routes {
        let state = (sim.clone(), route.clone());
        let handler = || any(route_handler).with_state(state.clone());
        app = app
            .route(route.prefix, handler())
            .route(&format!("{}/{{*rest}}", route.prefix), handler());
    }
    let site = Arc::new(site);
    app.fallback(move |req: axum::extract::Request| static_file(site.clone(), req))
}

/// One request to the static site (anything the routes do not take); the
/// routes' answers are the services' own, so only these are marked.
async fn static_file(site: Arc<StaticSite>, req: axum::extract::Request) -> Response {
    let mut reply = static_reply(&site, req).await;
    reply
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    reply
}

async fn static_reply(site: &StaticSite, req: axum::extract::Request) -> Response {
    let path = req.uri().path().to_owned();
    let home = format!("{}/", site.prefix);
    if path == site.prefix || (path == "/" && !site.prefix.is_empty()) {
        return axum::response::Redirect::temporary(&home).into_response();
    }
    let Some(rest) = path.strip_prefix(&site.prefix) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if rest == "/" || rest == "/index.html" {
        return index_or_not_found(site, rest).await;
    }
    // ServeDir reads the path under the prefix.
    let (mut parts, body) = req.into_parts();
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    match format!("{rest}{query}").parse() {
        Ok(uri) => parts.uri = uri,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    }
    match ServeDir::new(&site.dir)
        .try_call(axum::extract::Request::from_parts(parts, body))
        .await
    {
        Ok(found) if found.status() != StatusCode::NOT_FOUND => found.map(Body::new),
        _ => index_or_not_found(site, rest).await,
    }
}

async fn index_or_not_found(site: &StaticSite, path: &str) -> Response {
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') && last_segment != "index.html" {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::read_to_string(site.dir.join("index.html")).await {
        // The same type ServeDir gives index.html when asked for it by name.
        Ok(html) => (
            [(header::CONTENT_TYPE, "text/html")],
            with_connect_sources(&html, &site.connect_sources),
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts watching for SIGINT and SIGTERM at once, so a signal sent right
/// after "labsim ready" is printed is never missed; the future ends on the
/// first one. A signal that cannot be watched must not end the server.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt()).ok();
    let terminate = signal(SignalKind::terminate()).ok();
    async move {
        let wait = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(interrupt) => {}
            () = wait(terminate) => {}
        }
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertises_reachable_urls() {
        assert_eq!(base_url("127.0.0.1", 9101), "http://127.0.0.1:9101");
        assert_eq!(base_url("0.0.0.0", 9101), "http://127.0.0.1:9101");
        assert_eq!(base_url("::", 1), "http://[::1]:1");
        assert_eq!(base_url("::1", 1), "http://[::1]:1");
        assert_eq!(base_url("localhost", 80), "http://localhost:80");
    }

    #[test]
    fn a_static_prefix_is_a_plain_path_outside_the_routes() {
        assert_eq!(parse_static_prefix("/").unwrap(), "");
        assert_eq!(
            parse_static_prefix("/course/labmate/").unwrap(),
            "/course/labmate"
        );
        assert_eq!(parse_static_prefix("/a-b_c.d~").unwrap(), "/a-b_c.d~");
        for bad in [
            "course", "/a//b", "/a/../b", "/a b", "/aoss", "/api/x", "/%2e",
        ] {
            assert!(parse_static_prefix(bad).is_err(), "{bad}");
        }
        // Only whole segments are routes.
        assert_eq!(parse_static_prefix("/apis").unwrap(), "/apis");
    }

    #[test]
    fn the_page_policy_gets_labsims_origins_and_nothing_else_changes() {
        let html = "<meta http-equiv=Content-Security-Policy content=\"default-src 'self'; \
            connect-src 'self' https://*.amazonaws.com\"><p>connect-src 'self'</p>";
        let served = with_connect_sources(html, "http://127.0.0.1:1 http://127.0.0.1:2");
        assert_eq!(
            served,
            html.replacen(
                "connect-src 'self'",
                "connect-src 'self' http://127.0.0.1:1 http://127.0.0.1:2",
                1
            )
        );
        // A page built without a policy is served as built.
        assert_eq!(with_connect_sources("<p>hi</p>", "http://x:1"), "<p>hi</p>");
    }

    #[test]
    fn the_origins_are_the_services_without_paths_once_each() {
        let config = <crate::Args as clap::Parser>::try_parse_from(["labsim"])
            .unwrap()
            .sim_config(1, [9101, 9102, 9103, 9104, 9105, 9106, 9107, 9108], None);
        let sim = Simulator::new(config, 0);
        let origins = connect_sources(&sim);
        let list: Vec<&str> = origins.split(' ').collect();
        assert_eq!(list.len(), 8, "{origins}");
        assert!(
            list.contains(&"http://127.0.0.1:9102"),
            "the API, without /v1/lab: {origins}"
        );
        assert!(list
            .iter()
            .all(|o| !o.trim_start_matches("http://").contains('/')));
    }
}
