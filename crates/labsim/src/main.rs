//! `labsim`: serves the simulated AWS backend (and optionally the built
//! single-page app) on local ports until killed.

mod server;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use labsim::{SimConfig, Simulator, DEFAULT_CREDENTIAL_TTL_SECONDS, DEFAULT_REGION};

/// A local simulator of the lab's AWS backend (STS for now).
#[derive(Debug, Clone, Parser)]
#[command(name = "labsim", version)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port of the STS endpoint (and of the /_labsim/ control endpoints);
    /// 0 picks a free port. Later services get 9102 and up.
    #[arg(long, default_value_t = 9101)]
    pub sts_port: u16,
    /// The region every endpoint claims to be in.
    #[arg(long, default_value = DEFAULT_REGION)]
    pub region: String,
    /// Seed for ids, keys and request ids: the same seed gives the same
    /// credentials. Random when absent.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Lifetime of the demo credentials, in seconds.
    #[arg(long, default_value_t = DEFAULT_CREDENTIAL_TTL_SECONDS,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub credential_ttl: i64,
    /// Serve this directory (a built single-page app) on --static-port.
    #[arg(long)]
    pub static_dir: Option<PathBuf>,
    /// Port of the static file server; 0 picks a free port.
    #[arg(long, default_value_t = 8080)]
    pub static_port: u16,
    /// Print the /_labsim/config JSON for these options and exit.
    #[arg(long)]
    pub print_config: bool,
}

impl Args {
    /// The simulator's configuration, given the STS endpoint's real port.
    pub fn sim_config(&self, seed: u64, sts_port: u16) -> SimConfig {
        SimConfig {
            region: self.region.clone(),
            seed,
            credential_ttl_seconds: self.credential_ttl,
            endpoints: BTreeMap::from([("sts".to_owned(), server::base_url(&self.host, sts_port))]),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(random_seed);
    if args.print_config {
        let sim = Simulator::new(args.sim_config(seed, args.sts_port), server::now_ms());
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
