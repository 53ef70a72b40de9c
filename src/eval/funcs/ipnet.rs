//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`,
//! `cidrsubnets`, for IPv4 and IPv6. Addresses are numbers (`u128`) of 32
//! or 128 bits; the arithmetic is Terraform's (go-cidr): a negative host
//! number counts from the end, `cidrsubnets` aligns each subnet after the
//! previous one. IPv4 octets with leading zeros are decimal, as in
//! Terraform.

use super::{Args, FnResult, Func, Stop};
use crate::eval::value::Value;
use std::net::{Ipv4Addr, Ipv6Addr};

pub(super) fn lookup(name: &str) -> Option<Func> {
    Some(match name {
        "cidrhost" => cidrhost,
        "cidrnetmask" => cidrnetmask,
        "cidrsubnet" => cidrsubnet,
        "cidrsubnets" => cidrsubnets,
        _ => return None,
    })
}

/// A network: its first address, its prefix length, the address width.
#[derive(Clone, Copy)]
struct Net {
    ip: u128,
    len: u32,
    width: u32,
}

fn ones(n: u32) -> u128 {
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

impl Net {
    fn host_mask(&self, len: u32) -> u128 {
        ones(self.width - len)
    }
    fn net_mask(&self, len: u32) -> u128 {
        ones(self.width) & !self.host_mask(len)
    }
    fn with(&self, ip: u128, len: u32) -> Net {
        Net {
            ip: ip & self.net_mask(len),
            len,
            width: self.width,
        }
    }
    fn contains(&self, ip: u128) -> bool {
        ip & self.net_mask(self.len) == self.ip
    }
    fn format(&self) -> String {
        format!("{}/{}", format_ip(self.ip, self.width), self.len)
    }
}

fn format_ip(ip: u128, width: u32) -> String {
    if width == 32 {
        return Ipv4Addr::from(ip as u32).to_string();
    }
    let v6 = Ipv6Addr::from(ip);
    // Go writes an IPv4-mapped address as IPv4.
    match v6.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => v6.to_string(),
    }
}

/// IPv4 as Terraform reads it: four decimal octets, leading zeros allowed.
fn parse_v4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut ip = 0u32;
    for p in parts {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = p.trim_start_matches('0').parse().unwrap_or(0);
        if p.len() > 10 || v > 255 {
            return None;
        }
        ip = (ip << 8) | v;
    }
    Some(ip)
}

fn parse_cidr(s: &str) -> Result<Net, Stop> {
    let bad = || {
        Stop::Invalid(format!(
            "invalid CIDR expression: invalid CIDR address: {s}"
        ))
    };
    let (addr, len) = s.split_once('/').ok_or_else(bad)?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
        return Err(bad());
    }
    let len: u32 = len.parse().map_err(|_| bad())?;
    let (ip, width) = match parse_v4(addr) {
        Some(v4) => (v4 as u128, 32),
        None => (
            u128::from(addr.parse::<Ipv6Addr>().map_err(|_| bad())?),
            128,
        ),
    };
    if len > width {
        return Err(bad());
    }
    let net = Net { ip, len, width };
    Ok(net.with(ip, len))
}

fn cidrhost(a: &Args) -> FnResult {
    a.arity(2, 2)?;
    let net = parse_cidr(&a.str(0)?)?;
    let num = a.int(1)? as i128;
    let host_bits = net.width - net.len;
    let max = ones(host_bits);
    let (mag, host) = if num < 0 {
        let mag = (-num - 1) as u128;
        (mag, max.wrapping_sub(mag))
    } else {
        (num as u128, num as u128)
    };
    if mag > max {
        return Err(format!(
            "prefix of {} does not accommodate a host numbered {num}",
            net.len
        )
        .into());
    }
    Ok(Value::String(format_ip(net.ip | host, net.width)))
}

fn cidrnetmask(a: &Args) -> FnResult {
    a.arity(1, 1)?;
    let s = a.str(0)?;
    let net = parse_cidr(&s)?;
    if net.width != 32 {
        return Err(format!("IPv6 addresses cannot have a netmask: {s}").into());
    }
    Ok(Value::String(format_ip(net.net_mask(net.len), 32)))
}

fn cidrsubnet(a: &Args) -> FnResult {
    a.arity(3, 3)?;
    let net = parse_cidr(&a.str(0)?)?;
    let newbits = a.int(1)?;
    let num = a.int(2)?;
    let new_len = net.len as i64 + newbits;
    if newbits < 0 || new_len > net.width as i64 {
        return Err(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.len
        )
        .into());
    }
    let new_len = new_len as u32;
    if num < 0 || (num as u128) > ones(newbits as u32) {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        )
        .into());
    }
    let ip = net.ip | ((num as u128) << (net.width - new_len));
    Ok(Value::String(net.with(ip, new_len).format()))
}

fn cidrsubnets(a: &Args) -> FnResult {
    a.arity(1, usize::MAX)?;
    let net = parse_cidr(&a.str(0)?)?;
    if a.len() == 1 {
        return Ok(Value::list(vec![]));
    }
    let first = a.int(1)?;
    // The subnet just before the network, of the first length.
    let first_len = (net.len as i64 + first).clamp(0, net.width as i64) as u32;
    let mut current = net.with(net.ip.wrapping_sub(1) & ones(net.width), first_len);
    let mut out = Vec::new();
    for i in 1..a.len() {
        let bits = a.int(i)?;
        if bits < 1 {
            return Err(
                format!("argument {}: must extend prefix by at least one bit", i + 1).into(),
            );
        }
        if bits > 32 {
            return Err(format!(
                "argument {}: may not extend prefix by more than 32 bits",
                i + 1
            )
            .into());
        }
        let len = net.len as i64 + bits;
        if len > net.width as i64 {
            let proto = if net.width == 32 { "IPv4" } else { "IPv6" };
            return Err(format!(
                "argument {}: would extend prefix to {len} bits, which is too long for an {proto} address",
                i + 1
            )
            .into());
        }
        let len = len as u32;
        // The next subnet of this length after the current one.
        let last = current.ip | current.host_mask(current.len);
        let sub = net.with(last, len);
        let after = (sub.ip | sub.host_mask(len)).wrapping_add(1) & ones(net.width);
        let next = net.with(after, len);
        if after == 0 || !net.contains(next.ip) {
            return Err(format!(
                "argument {}: not enough remaining address space for a subnet with a prefix of {len} bits after {}",
                i + 1,
                current.format()
            )
            .into());
        }
        out.push(Value::String(next.format()));
        current = next;
    }
    Ok(Value::list(out))
}

#[cfg(test)]
mod tests {
    use crate::eval::funcs::call_test as call;
    use crate::eval::funcs::testing::*;
    use crate::eval::value::Value;

    #[test]
    fn documented_examples() {
        // developer.hashicorp.com/terraform/language/functions/<name>
        let cases: Vec<(&str, Vec<Value>, Value)> = vec![
            (
                "cidrhost",
                vec![s("10.12.112.0/20"), n(16.0)],
                s("10.12.112.16"),
            ),
            (
                "cidrhost",
                vec![s("10.12.112.0/20"), n(268.0)],
                s("10.12.113.12"),
            ),
            (
                "cidrhost",
                vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)],
                s("fd00:fd12:3456:7890::22"),
            ),
            ("cidrhost", vec![s("10.0.0.0/8"), n(2.0)], s("10.0.0.2")),
            (
                "cidrhost",
                vec![s("10.0.0.0/8"), n(-2.0)],
                s("10.255.255.254"),
            ),
            (
                "cidrhost",
                vec![s("10.1.2.240/28"), n(1.0)],
                s("10.1.2.241"),
            ),
            (
                "cidrhost",
                vec![s("10.1.2.240/28"), n(14.0)],
                s("10.1.2.254"),
            ),
            (
                "cidrhost",
                vec![s("010.001.002.000/24"), n(5.0)],
                s("10.1.2.5"),
            ),
            ("cidrnetmask", vec![s("172.16.0.0/12")], s("255.240.0.0")),
            (
                "cidrsubnet",
                vec![s("172.16.0.0/12"), n(4.0), n(2.0)],
                s("172.18.0.0/16"),
            ),
            (
                "cidrsubnet",
                vec![s("10.1.2.0/24"), n(4.0), n(15.0)],
                s("10.1.2.240/28"),
            ),
            (
                "cidrsubnet",
                vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)],
                s("fd00:fd12:3456:7800:a200::/72"),
            ),
            (
                "cidrsubnet",
                vec![s("10.1.0.0/16"), n(4.0), n(1.0)],
                s("10.1.16.0/20"),
            ),
            (
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)],
                strs(&[
                    "10.1.0.0/20",
                    "10.1.16.0/20",
                    "10.1.32.0/24",
                    "10.1.48.0/20",
                ]),
            ),
            (
                "cidrsubnets",
                vec![
                    s("fd00:fd12:3456:7890::/56"),
                    n(16.0),
                    n(16.0),
                    n(16.0),
                    n(32.0),
                ],
                strs(&[
                    "fd00:fd12:3456:7800::/72",
                    "fd00:fd12:3456:7800:100::/72",
                    "fd00:fd12:3456:7800:200::/72",
                    "fd00:fd12:3456:7800:300::/88",
                ]),
            ),
            (
                "cidrsubnets",
                vec![s("10.0.0.0/8"), n(8.0), n(8.0), n(8.0), n(8.0)],
                strs(&["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]),
            ),
            (
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(4.0)],
                strs(&["10.1.0.0/20", "10.1.16.0/20"]),
            ),
            ("cidrsubnets", vec![s("10.0.0.0/8")], l(vec![])),
        ];
        for (f, args, want) in cases {
            assert_eq!(call(f, args.clone()), want, "{f}({args:?})");
        }
        for (f, args) in [
            ("cidrhost", vec![s("10.0.0.0/30"), n(4.0)]),
            ("cidrhost", vec![s("10.0.0.0/30"), n(-5.0)]),
            ("cidrhost", vec![s("10.0.0.0"), n(1.0)]),
            ("cidrhost", vec![s("10.0.0.256/8"), n(1.0)]),
            ("cidrnetmask", vec![s("fd00::/8")]),
            ("cidrsubnet", vec![s("10.0.0.0/30"), n(4.0), n(0.0)]),
            ("cidrsubnet", vec![s("10.0.0.0/8"), n(2.0), n(4.0)]),
            (
                "cidrsubnets",
                vec![s("10.0.0.0/30"), n(1.0), n(1.0), n(1.0)],
            ),
            ("cidrsubnets", vec![s("10.0.0.0/8"), n(0.0)]),
        ] {
            assert!(is_error(&call(f, args.clone())), "{f}({args:?})");
        }
    }

    #[test]
    fn symbolic_arguments() {
        assert!(is_after_apply(&call("cidrhost", vec![email(), n(1.0)])));
        assert!(is_no_value(&call(
            "cidrsubnet",
            vec![s("10.0.0.0/8"), unknown(), n(1.0)]
        )));
        assert!(is_no_value(&call(
            "cidrsubnets",
            vec![s("10.0.0.0/8"), n(8.0), unknown()]
        )));
    }
}
