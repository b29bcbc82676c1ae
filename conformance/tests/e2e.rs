//! The end-to-end suite under `cargo test`: every scenario through every transport
//! (`bedrock_conformance::e2e::TRANSPORTS`: the adapters and the by-hand loop of
//! `core/examples/by_hand.rs`) against an in-process emulator, all of which must pass.

use bedrock_conformance::e2e::{self, TRANSPORTS};
use bedrock_conformance::report::Outcome;

#[test]
fn every_scenario_passes_through_every_transport() {
    let report = e2e::run(TRANSPORTS).expect("the emulator starts");
    // The adapters, and the core driven by hand (`core/examples/by_hand.rs`'s own loop).
    for transport in ["blocking", "async", "by-hand"] {
        assert!(
            report.transports.contains(&transport),
            "the {transport} transport is part of the suite: {:?}",
            report.transports
        );
    }
    assert!(!report.rows.is_empty(), "no scenarios");
    // The TLS rows really ran through both adapters (the by-hand loop is plain HTTP only).
    let tls_rows: Vec<_> = report
        .rows
        .iter()
        .filter(|(name, _)| name.starts_with("tls: "))
        .collect();
    assert!(tls_rows.len() > 10, "{} TLS rows", tls_rows.len());
    for adapter in ["blocking", "async"] {
        let column = report
            .transports
            .iter()
            .position(|t| *t == adapter)
            .expect("an adapter column");
        for (name, cells) in &tls_rows {
            assert!(
                !matches!(cells[column], Outcome::Skip(_)),
                "{name} was skipped for the {adapter} client"
            );
        }
    }
    // The fault matrix: every fault x protocol row, in every column, printed.
    let matrix_rows = report
        .rows
        .iter()
        .filter(|(name, _)| name.starts_with("matrix: "))
        .count();
    assert_eq!(
        matrix_rows % e2e::PROTOCOLS.len(),
        0,
        "{matrix_rows} matrix rows"
    );
    assert!(
        matrix_rows >= 20 * e2e::PROTOCOLS.len(),
        "{matrix_rows} matrix rows"
    );
    let matrix = report.matrix();
    for transport in ["blocking", "async", "by-hand"] {
        assert!(matrix.contains(&format!("fault [{transport}]")), "{matrix}");
    }
    // What the suite prints holds no secret (each client's outputs were scanned as it ran).
    let scan = bedrock_conformance::emulator::secrets::SecretScan::emulator_defaults();
    let printed = format!("{}{matrix}{:?}", report.table(), report.failures());
    if let Err(leak) = scan.check("the suite's report", &printed) {
        panic!("{leak}");
    }
    let failures = report.failures();
    if !failures.is_empty() {
        let mut message = format!("{}\n{} failure(s):\n", report.table(), failures.len());
        for (scenario, transport, reason) in failures {
            message.push_str(&format!("- {scenario} [{transport}]: {reason}\n"));
        }
        panic!("{message}");
    }
}
