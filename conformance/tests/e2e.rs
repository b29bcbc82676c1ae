//! The end-to-end suite under `cargo test`: every scenario through every transport
//! (`bedrock_conformance::e2e::TRANSPORTS`, today the blocking client) against an in-process
//! emulator, all of which must pass.

use bedrock_conformance::e2e::{self, TRANSPORTS};

#[test]
fn every_scenario_passes_through_every_transport() {
    let report = e2e::run(TRANSPORTS).expect("the emulator starts");
    assert!(
        report.transports.contains(&"blocking"),
        "the blocking transport is part of the suite: {:?}",
        report.transports
    );
    assert!(!report.rows.is_empty(), "no scenarios");
    let failures = report.failures();
    if !failures.is_empty() {
        let mut message = format!("{}\n{} failure(s):\n", report.table(), failures.len());
        for (scenario, transport, reason) in failures {
            message.push_str(&format!("- {scenario} [{transport}]: {reason}\n"));
        }
        panic!("{message}");
    }
}
