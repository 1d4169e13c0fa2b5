//! CIDR functions: cidrhost, cidrnetmask, cidrsubnet and cidrsubnets, for IPv4 and IPv6.

use crate::frontend::value::Value;

use super::{FnError, FnResult, int_arg, str_arg};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network: its (masked) address as an integer, the address width and the prefix length.
#[derive(Clone, Copy)]
struct Net {
    addr: u128,
    bits: u32,
    prefix: u32,
}

fn ones(bits: u32) -> u128 {
    if bits >= 128 { u128::MAX } else { (1u128 << bits) - 1 }
}

/// The mask of a `prefix`-bit network in a `bits`-wide address.
fn mask(prefix: u32, bits: u32) -> u128 {
    ones(bits) & !ones(bits - prefix.min(bits))
}

fn show_ip(addr: u128, bits: u32) -> String {
    if bits == 32 { Ipv4Addr::from(addr as u32).to_string() } else { Ipv6Addr::from(addr).to_string() }
}

impl Net {
    fn last(&self) -> u128 {
        self.addr | (ones(self.bits) & !mask(self.prefix, self.bits))
    }

    fn with_prefix(addr: u128, prefix: u32, bits: u32) -> Net {
        Net { addr: addr & mask(prefix, bits), bits, prefix }
    }
}

impl std::fmt::Display for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", show_ip(self.addr, self.bits), self.prefix)
    }
}

/// Go's `net.ParseCIDR`, keeping only the network.
fn parse_cidr(args: &[Value]) -> Result<Net, FnError> {
    let s = str_arg(args, 0)?;
    let bad = || FnError::at(0, format!("invalid CIDR expression: invalid CIDR address: {s}"));
    let (ip, len) = s.rsplit_once('/').ok_or_else(bad)?;
    let (addr, bits) = match ip.parse::<IpAddr>().map_err(|_| bad())? {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    let prefix: u32 = len.parse().ok().filter(|_| len.bytes().all(|b| b.is_ascii_digit())).ok_or_else(bad)?;
    if prefix > bits {
        return Err(bad());
    }
    Ok(Net::with_prefix(addr, prefix, bits))
}

/// `cidrhost(prefix, hostnum)`: negative host numbers count back from the end of the range.
pub(crate) fn cidrhost(args: &[Value]) -> FnResult {
    let net = parse_cidr(args)?;
    let num = int_arg(args, 1)?;
    let max_host = ones(net.bits - net.prefix);
    let magnitude = if num < 0 { (-(i128::from(num)) - 1) as u128 } else { num as u128 };
    if magnitude > max_host {
        return Err(FnError::new(format!("prefix of {} does not accommodate a host numbered {num}", net.prefix)));
    }
    let host = if num < 0 { max_host - magnitude } else { magnitude };
    Ok(Value::String(show_ip(net.addr | host, net.bits)))
}

/// `cidrnetmask(prefix)`: the network mask in address notation.
pub(crate) fn cidrnetmask(args: &[Value]) -> FnResult {
    let net = parse_cidr(args)?;
    Ok(Value::String(show_ip(mask(net.prefix, net.bits), net.bits)))
}

/// `cidrsubnet(prefix, newbits, netnum)`.
pub(crate) fn cidrsubnet(args: &[Value]) -> FnResult {
    let net = parse_cidr(args)?;
    let newbits = int_arg(args, 1)?;
    let num = int_arg(args, 2)?;
    if newbits > 32 {
        return Err(FnError::at(1, "may not extend prefix by more than 32 bits"));
    }
    if newbits < 0 {
        return Err(FnError::at(1, "newbits must not be negative"));
    }
    let new_prefix = net.prefix + newbits as u32;
    if new_prefix > net.bits {
        return Err(FnError::new(format!("insufficient address space to extend prefix of {} by {newbits}", net.prefix)));
    }
    if num < 0 || num as u128 > ones(newbits as u32) {
        return Err(FnError::new(format!("prefix extension of {newbits} does not accommodate a subnet numbered {num}")));
    }
    let addr = net.addr | (num as u128).checked_shl(net.bits - new_prefix).unwrap_or(0);
    Ok(Value::String(Net { addr, bits: net.bits, prefix: new_prefix }.to_string()))
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets with the given prefix extensions.
pub(crate) fn cidrsubnets(args: &[Value]) -> FnResult {
    let net = parse_cidr(args)?;
    if args.len() < 2 {
        return Ok(Value::List(vec![]));
    }
    let first = int_arg(args, 1)?.clamp(0, 128) as u32 + net.prefix;
    let all = ones(net.bits);
    let mut current = Net::with_prefix(net.addr.wrapping_sub(1) & all, first.min(net.bits), net.bits);
    let mut out = Vec::with_capacity(args.len() - 1);
    for i in 1..args.len() {
        let length = int_arg(args, i)?;
        if length < 1 {
            return Err(FnError::at(i, "must extend prefix by at least one bit"));
        }
        if length > 32 {
            return Err(FnError::at(i, "may not extend prefix by more than 32 bits"));
        }
        let length = length as u32 + net.prefix;
        if length > net.bits {
            let proto = if net.bits == 32 { "IPv4" } else { "IPv6" };
            return Err(FnError::at(i, format!("would extend prefix to {length} bits, which is too long for an {proto} address")));
        }
        let containing = Net::with_prefix(current.last(), length, net.bits);
        let after = containing.last().wrapping_add(1) & all;
        let next = Net::with_prefix(after, length, net.bits);
        if after == 0 || next.addr & mask(net.prefix, net.bits) != net.addr {
            let msg = format!("not enough remaining address space for a subnet with a prefix of {length} bits after {current}");
            return Err(FnError::at(i, msg));
        }
        current = next;
        out.push(Value::String(current.to_string()));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::stdlib::test_values::{n, s};

    #[test]
    fn hosts() {
        assert_eq!(cidrhost(&[s("10.12.112.0/20"), n(16.0)]), Ok(s("10.12.112.16")));
        assert_eq!(cidrhost(&[s("10.12.112.0/20"), n(268.0)]), Ok(s("10.12.113.12")));
        assert_eq!(cidrhost(&[s("10.12.112.0/20"), n(-1.0)]), Ok(s("10.12.127.255")));
        assert_eq!(cidrhost(&[s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)]), Ok(s("fd00:fd12:3456:7890::22")));
        let e = cidrhost(&[s("192.168.1.0/30"), n(5.0)]).unwrap_err();
        assert_eq!(e.message, "prefix of 30 does not accommodate a host numbered 5");
        assert!(cidrhost(&[s("not-a-cidr"), n(1.0)]).is_err());
    }

    #[test]
    fn netmasks() {
        assert_eq!(cidrnetmask(&[s("172.16.0.0/12")]), Ok(s("255.240.0.0")));
        assert_eq!(cidrnetmask(&[s("10.0.0.0/0")]), Ok(s("0.0.0.0")));
        assert_eq!(cidrnetmask(&[s("10.0.0.0/33")]).unwrap_err().message, "invalid CIDR expression: invalid CIDR address: 10.0.0.0/33");
    }

    #[test]
    fn subnets() {
        assert_eq!(cidrsubnet(&[s("172.16.0.0/12"), n(4.0), n(2.0)]), Ok(s("172.18.0.0/16")));
        assert_eq!(cidrsubnet(&[s("10.1.2.0/24"), n(4.0), n(15.0)]), Ok(s("10.1.2.240/28")));
        assert_eq!(cidrsubnet(&[s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)]), Ok(s("fd00:fd12:3456:7800:a200::/72")));
        assert!(cidrsubnet(&[s("10.1.2.0/24"), n(4.0), n(16.0)]).is_err());
        assert!(cidrsubnet(&[s("10.1.2.0/24"), n(9.0), n(0.0)]).is_err());
        assert!(cidrsubnet(&[s("10.1.2.0/24"), n(33.0), n(0.0)]).is_err());
    }

    #[test]
    fn many_subnets() {
        let got = cidrsubnets(&[s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]);
        let want = ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"];
        assert_eq!(got, Ok(Value::List(want.iter().map(|w| s(w)).collect())));
        let got = cidrsubnets(&[s("fd00:fd12:3456:7890::/56"), n(16.0), n(16.0), n(16.0), n(32.0)]);
        let want =
            ["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"];
        assert_eq!(got, Ok(Value::List(want.iter().map(|w| s(w)).collect())));
        assert_eq!(cidrsubnets(&[s("10.0.0.0/8")]), Ok(Value::List(vec![])));
        assert!(cidrsubnets(&[s("10.0.0.0/30"), n(1.0), n(1.0), n(1.0)]).is_err());
        assert!(cidrsubnets(&[s("10.0.0.0/8"), n(0.0)]).is_err());
    }
}
