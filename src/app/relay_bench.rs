//! `stepwise bench session --via-relay`: the session benchmark twice in one run over loopback,
//! first direct, then through a private coturn (started here, stopped at the end) with the
//! direct address answering nothing, so every packet goes user → relay → engineer. Reports the
//! relayed run's usual keys plus the direct run's latency and the latency the relay adds.

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use crate::transport::RelayAuth;

use super::coturn::Coturn;
use super::session_bench::{PathOptions, SessionBenchReport, run_session_bench_over};

/// The relayed run's figures (the same keys as `bench session`) and the comparison.
#[derive(Debug, Serialize)]
pub struct RelayBenchReport {
    /// The run through the relay.
    #[serde(flatten)]
    pub relayed: SessionBenchReport,
    /// Always `relayed`: the path of the figures above.
    pub path: &'static str,
    /// p50 capture → decoded latency of the direct run in the same process, ms.
    pub direct_latency_ms_p50: f64,
    /// p95 of the direct run, ms.
    pub direct_latency_ms_p95: f64,
    /// What the relay adds to the p50 latency, ms (target ≤ 5 on loopback).
    pub added_latency_ms_p50: f64,
}

/// Runs the direct and the relayed benchmark on `scenario_dir` with the same `path` options.
pub fn run_relay_bench(
    runtime: &tokio::runtime::Handle,
    scenario_dir: &Path,
    path: PathOptions,
) -> anyhow::Result<RelayBenchReport> {
    if path.loss_percent > 0.0 || path.delay_ms > 0 || path.rate_kbps.is_some() {
        anyhow::bail!(
            "--via-relay measures a clean loopback: loss, delay and rate limits do not apply through the relay"
        );
    }
    let secret = format!("bench-{:x}", crate::model::now_ms());
    let turn = Coturn::start(RelayAuth::SharedSecret { secret }).context("the relay server for the benchmark")?;
    let direct = run_session_bench_over(runtime, scenario_dir, path, None).context("the direct run")?;
    let config = turn.config();
    let relayed = run_session_bench_over(runtime, scenario_dir, path, Some(&config)).context("the relayed run")?;
    drop(turn);
    Ok(RelayBenchReport {
        path: "relayed",
        direct_latency_ms_p50: direct.latency_ms_p50,
        direct_latency_ms_p95: direct.latency_ms_p95,
        added_latency_ms_p50: relayed.latency_ms_p50 - direct.latency_ms_p50,
        relayed,
    })
}
