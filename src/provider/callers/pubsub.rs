//! Pub/Sub push subscriptions: `push_config { push_endpoint, oidc_token }`.

use super::{CallerKind, RawCaller, tokens, url_target};
use crate::provider::res::{Res, attr_in};

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let mut out = Vec::new();
    for (b, ctx) in res.blocks("push_config").items {
        let mut c = res.base_caller(root, CallerKind::PubsubPush);
        let target = url_target(attr_in(res.ev, b, &ctx, "push_endpoint"), &mut c);
        tokens(res, b, &ctx, &mut c);
        out.push(RawCaller { caller: c, target });
    }
    out
}
