//! Attributes of resource instances: what the configuration sets, what the
//! provider computes from it ([`super::Provider`]), or a reference known
//! only after apply.

use super::{Evaluator, Reference, ResourceHandle, Value};
use crate::load::Mode;
use crate::syntax::Span;

impl Evaluator<'_> {
    /// An attribute of a resource instance.
    ///
    /// - Set in the configuration to a known value (lists and maps may hold
    ///   references): that value. Set to `null`: not set.
    /// - Set to a string known only in part (`"api-${random_id.x.hex}"`) or
    ///   to an unknown: a reference to this attribute, so that whatever
    ///   names this resource through it stays linked to it.
    /// - Not set: what the provider computes, or a reference.
    /// - A resource type whose body the loader does not keep: a reference,
    ///   never a default.
    pub fn resource_attr(&self, h: &ResourceHandle, attr: &str, span: Span) -> Value {
        let key = super::Key::ResAttr(h.instance, h.decl as usize, h.key.clone(), attr.to_string());
        self.memo(key, span, || {
            let inst = self.instance(h.instance);
            let r = &self.ws.modules[inst.module].resources[h.decl as usize];
            let symbolic = || Value::Ref(Reference::new(h.address.clone(), attr));
            if r.mode == Mode::Managed && r.address.is_none() && !self.provider.keeps_body(&r.rtype)
            {
                return symbolic();
            }
            let ctx = self.resource_ctx(h.instance, h.decl as usize, h.key.as_ref());
            if attr != "count"
                && attr != "for_each"
                && let Some(a) = r.block.body.attr(attr)
            {
                match self.eval(&a.expr, &ctx) {
                    Value::Null => {}
                    Value::Partial(_) | Value::Unknown(_) => return symbolic(),
                    v => return v,
                }
            } else {
                let blocks = self.blocks(&r.block.body, attr, &ctx);
                if !blocks.items.is_empty() {
                    return Value::list(
                        blocks
                            .items
                            .iter()
                            .map(|(b, c)| self.body_value(b, c))
                            .collect(),
                    );
                }
            }
            self.provider
                .computed(self, h, attr, span)
                .unwrap_or_else(symbolic)
        })
    }

    /// The declaration of a resource instance.
    pub fn resource_decl(&self, h: &ResourceHandle) -> &crate::load::ResourceDecl {
        let inst = self.instance(h.instance);
        &self.ws.modules[inst.module].resources[h.decl as usize]
    }
}
