//! How access tokens are folded.

use yinling_ledger::*;

use super::State;
use crate::tokens::TokenRecord;

impl State {
    pub(super) fn token_issued(&mut self, envelope: &Envelope, e: &TokenIssued) {
        let at = envelope.recorded_at;
        self.tokens.insert(TokenRecord {
            id: e.token_id,
            role: e.role,
            team_id: e.team_id,
            volunteer_id: e.volunteer_id,
            scope: None,
            secret_sha256: e.secret_sha256,
            label: e.label.clone(),
            issued_at: at,
            revoked_at: None,
            last_day: None,
        });
    }

    pub(super) fn token_scoped(&mut self, e: &TokenScoped) {
        self.tokens.scope(&e.token_id, &e.scope);
    }

    pub(super) fn token_last_day_set(&mut self, e: &TokenLastDaySet) {
        self.tokens.set_last_day(&e.token_id, e.last_day);
    }

    pub(super) fn token_revoked(&mut self, envelope: &Envelope, e: &TokenRevoked) {
        let at = envelope.recorded_at;
        self.tokens.revoke(&e.token_id, at);
    }
}
