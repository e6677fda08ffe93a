//! Algorithm A of the self-management seed: grant the request in place if the
//! guest's host has room; otherwise migrate the guest to the first host with
//! room for all it needs (first fit, one migration); otherwise no solution.

use super::placement::{Move, Placement, Plan, Request};

/// Algorithm A's plan for `request`.
pub fn plan(placement: &Placement, request: Request) -> Plan {
    let demands = placement.demands(Some(request));
    let from = placement.assignment[request.guest];
    if placement.is_valid(&placement.assignment, &demands) {
        return Plan::InPlace;
    }
    let used = placement.used(&placement.assignment, &demands);
    let need = demands[request.guest];
    let first_fit =
        (0..placement.hosts.len()).find(|&h| h != from && placement.hosts[h].capacity.fits(&(used[h] + need)));
    match first_fit {
        Some(to) => Plan::Migrate(vec![Move {
            guest: request.guest,
            from,
            to,
        }]),
        None => Plan::NoSolution,
    }
}
