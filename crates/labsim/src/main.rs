//! `labsim`: serves the simulated AWS backend (and optionally the built
//! single-page app) on local ports until killed.

mod server;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use labsim::apigateway::{ApiAuth, ApiCors, ApiSetup};
use labsim::lambda::HandlerKind;
use labsim::opensearch::RefreshLag;
use labsim::{Service, SimConfig, Simulator, DEFAULT_CREDENTIAL_TTL_SECONDS, DEFAULT_REGION};

/// A local simulator of the lab's AWS backend.
#[derive(Debug, Clone, Parser)]
#[command(name = "labsim", version)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the STS endpoint (and of the /_labsim/ control endpoints,
    /// which every service port also answers); 0 picks a free port.
    #[arg(long, default_value_t = 9101)]
    pub sts_port: u16,
    /// Port of the REST API (invoke URL {base}/v1/lab). Each service port
    /// defaults to its fixed port (9102 to 9108) when --sts-port is 9101,
    /// else to a free one, so several simulators can run side by side.
    #[arg(long)]
    pub api_port: Option<u16>,
    /// Port of DynamoDB (default 9103).
    #[arg(long)]
    pub dynamodb_port: Option<u16>,
    /// Port of DynamoDB Streams (default 9104).
    #[arg(long)]
    pub streams_port: Option<u16>,
    /// Port of the Lambda API (default 9105).
    #[arg(long)]
    pub lambda_port: Option<u16>,
    /// Port of CloudWatch Logs (default 9106).
    #[arg(long)]
    pub logs_port: Option<u16>,
    /// Port of the OpenSearch Serverless collection (default 9107).
    #[arg(long)]
    pub aoss_port: Option<u16>,
    /// Port of IAM (default 9108); signed for us-east-1 whatever --region.
    #[arg(long)]
    pub iam_port: Option<u16>,
    /// The stream Lambda's code: the workshop's as shipped, fixed (the
    /// DynamoDB key as the document id), or typed (fixed, and reading every
    /// attribute by its type, so a number no longer crashes it).
    #[arg(long, default_value = "workshop",
          value_parser = clap::builder::PossibleValuesParser::new(HandlerKind::NAMES))]
    pub lambda: String,
    /// How long until a write to the collection is searchable: a fixed
    /// number of milliseconds (0 to 60000), a range MIN..MAX each write
    /// draws its own lag from (repeatable with --seed), or `spread` for
    /// AWS's documented 10 to 60 s (10000..60000).
    /// (Given twice, the last one counts.)
    #[arg(long, value_name = "MS|MIN..MAX|spread",
          default_value_t = RefreshLag::default(), overrides_with = "refresh_lag_ms")]
    pub refresh_lag_ms: RefreshLag,
    /// The REST API method's authorization: none (as in the workshop) or
    /// iam (SigV4, service execute-api).
    #[arg(long, default_value = "none", value_parser = ["none", "iam"])]
    pub api_auth: String,
    /// CORS on the REST API: off (as in the workshop), on, or on without
    /// the DEFAULT_4XX/5XX gateway responses.
    #[arg(long, default_value = "off", value_parser = ["off", "on", "no-gateway-responses"])]
    pub api_cors: String,
    /// The region every endpoint claims to be in.
    #[arg(long, default_value = DEFAULT_REGION)]
    pub region: String,
    /// Seed for ids, keys and request ids: the same seed gives the same
    /// credentials. Random when absent.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Lifetime of the demo credentials, in seconds (at most 36 hours, as
    /// STS's longest session).
    #[arg(long, default_value_t = DEFAULT_CREDENTIAL_TTL_SECONDS,
          value_parser = clap::value_parser!(i64).range(1..=*labsim::control::TTL_SECONDS_RANGE.end()))]
    pub credential_ttl: i64,
    /// Serve this directory (a built single-page app) on --static-port.
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Port of the static file server; 0 picks a free port.
    #[arg(long, default_value_t = 8080)]
    pub static_port: u16,
    /// Serve the app under this path (`/course/labmate`), as an S3 folder or
    /// a CloudFront path would; the same-origin routes stay at the root.
    #[arg(long, default_value = "/", value_parser = server::parse_static_prefix)]
    pub static_prefix: String,
    /// Print the /_labsim/config JSON for these options and exit.
    #[arg(long)]
    pub print_config: bool,
}

impl Args {
    /// The port to listen on for each of [`Service::ALL`], as asked.
    pub fn ports(&self) -> [u16; 8] {
        let fixed = self.sts_port == 9101;
        let pick =
            |asked: Option<u16>, default: u16| asked.unwrap_or(if fixed { default } else { 0 });
        [
            self.sts_port,
            pick(self.api_port, 9102),
            pick(self.dynamodb_port, 9103),
            pick(self.streams_port, 9104),
            pick(self.lambda_port, 9105),
            pick(self.logs_port, 9106),
            pick(self.aoss_port, 9107),
            pick(self.iam_port, 9108),
        ]
    }

    /// The simulator's configuration, given the real port of each of
    /// [`Service::ALL`] and the static server's URL when there is one.
    pub fn sim_config(&self, seed: u64, ports: [u16; 8], static_url: Option<&str>) -> SimConfig {
        let mut config = SimConfig::new(seed);
        config.region = self.region.clone();
        config.credential_ttl_seconds = self.credential_ttl;
        config.endpoints = Service::ALL
            .iter()
            .zip(ports)
            .map(|(service, port)| {
                let mut url = server::base_url(&self.host, port);
                if *service == Service::ApiGateway {
                    url.push_str(labsim::apigateway::PATH);
                }
                (service.key().to_owned(), url)
            })
            .collect::<BTreeMap<_, _>>();
        // The app's own origin reaches the collection (which has no CORS)
        // and the API through these, as a CloudFront distribution would.
        if let Some(site) = static_url {
            for (service, prefix) in server::SAME_ORIGIN_ROUTES {
                config
                    .routes
                    .insert(service.key().to_owned(), format!("{site}{prefix}"));
            }
        }
        config.refresh_lag = self.refresh_lag_ms;
        config.lambda.handler = HandlerKind::parse(&self.lambda).unwrap_or(HandlerKind::Workshop);
        config.api = ApiSetup {
            auth: ApiAuth::parse(&self.api_auth).unwrap_or(ApiAuth::None),
            cors: ApiCors::parse(&self.api_cors).unwrap_or(ApiCors::Off),
        };
        config
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(random_seed);
    if args.print_config {
        let static_url = args
            .static_dir
            .as_ref()
            .map(|_| server::base_url(&args.host, args.static_port));
        let config = args.sim_config(seed, args.ports(), static_url.as_deref());
        let sim = Simulator::new(config, server::now_ms());
        match serde_json::to_string_pretty(&sim.lab_config()) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("labsim: {e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    let result = runtime.and_then(|rt| rt.block_on(server::run(args, seed)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("labsim: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A seed that differs per run, without a dependency: std seeds every
/// `RandomState` from the OS's random source.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_i64(server::now_ms());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refresh_lag(value: &str) -> Result<RefreshLag, String> {
        Args::try_parse_from(["labsim".to_owned(), format!("--refresh-lag-ms={value}")])
            .map(|args| args.refresh_lag_ms)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn refresh_lag_takes_milliseconds_a_range_or_spread_up_to_60_s() {
        let args = Args::try_parse_from(["labsim"]).unwrap();
        assert_eq!(args.refresh_lag_ms, RefreshLag::fixed(10_000).unwrap());
        assert_eq!(refresh_lag("0"), Ok(RefreshLag::fixed(0).unwrap()));
        assert_eq!(refresh_lag("60000"), Ok(RefreshLag::fixed(60_000).unwrap()));
        assert_eq!(refresh_lag("spread"), Ok(RefreshLag::AWS_SPREAD));
        assert_eq!(
            refresh_lag("200..900"),
            Ok(RefreshLag::spread(200, 900).unwrap())
        );
        let config = Args::try_parse_from(["labsim", "--refresh-lag-ms", "spread"])
            .unwrap()
            .sim_config(1, [0; 8], None);
        assert_eq!(config.refresh_lag, RefreshLag::AWS_SPREAD);
        // The last one given counts (a test harness passes a default first).
        let args = Args::try_parse_from([
            "labsim",
            "--refresh-lag-ms",
            "1500",
            "--refresh-lag-ms",
            "0..9",
        ])
        .unwrap();
        assert_eq!(args.refresh_lag_ms, RefreshLag::spread(0, 9).unwrap());
    }

    #[test]
    fn an_out_of_range_refresh_lag_is_refused_with_the_reason() {
        let err = refresh_lag("60001").unwrap_err();
        assert!(
            err.contains("invalid value '60001' for '--refresh-lag-ms <MS|MIN..MAX|spread>': 60001 ms is out of range: a lag is 0 to 60000 ms"),
            "{err}"
        );
        let err = refresh_lag("-5").unwrap_err();
        assert!(
            err.contains(
                "expected milliseconds from 0 to 60000, a range MIN..MAX of them, or `spread`"
            ),
            "{err}"
        );
        let err = refresh_lag("900..200").unwrap_err();
        assert!(err.contains("the range 900..200 is reversed"), "{err}");
    }

    #[test]
    fn help_documents_the_refresh_lag_forms() {
        use clap::CommandFactory;
        let help = Args::command().render_long_help().to_string();
        for text in [
            "--refresh-lag-ms <MS|MIN..MAX|spread>",
            "10 to 60 s",
            "[default: 10000]",
        ] {
            assert!(help.contains(text), "{text:?} not in:\n{help}");
        }
    }
}
