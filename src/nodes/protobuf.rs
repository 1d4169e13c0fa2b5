//! The few protobuf messages mpbake exchanges with BuildKit, read and written by hand: a
//! handful of fields in progress, secrets, ssh and auth messages do not justify a code
//! generator (prost-build needs protoc, which is not on the build machines).

/// A field's value, by wire type.
pub enum Value<'a> {
    Number(u64),
    Bytes(&'a [u8]),
}

/// Reads protobuf fields one at a time.
pub struct Fields<'a> {
    bytes: &'a [u8],
}

impl<'a> Fields<'a> {
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(taken)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = (u64, Value<'a>);

    /// The next field, or None at the end (or at bytes that are not protobuf).
    fn next(&mut self) -> Option<Self::Item> {
        if self.bytes.is_empty() {
            return None;
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Number(self.varint()?),
            1 => Value::Number(u64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            2 => {
                let n = usize::try_from(self.varint()?).ok()?;
                Value::Bytes(self.take(n)?)
            }
            5 => Value::Number(u64::from(u32::from_le_bytes(self.take(4)?.try_into().ok()?))),
            _ => return None,
        };
        Some((key >> 3, value))
    }
}

pub fn fields(bytes: &[u8]) -> Fields<'_> {
    Fields { bytes }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Appends a varint.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a length-delimited field (a string, bytes or a message).
pub fn put_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    put_varint(out, field << 3 | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends a varint field (an integer or an enum).
pub fn put_number(out: &mut Vec<u8>, field: u64, value: u64) {
    put_varint(out, field << 3);
    put_varint(out, value);
}

/// The first length-delimited field numbered `field` (empty when absent).
pub fn bytes_field(message: &[u8], field: u64) -> &[u8] {
    fields(message)
        .find_map(|(f, v)| match (f == field, v) {
            (true, Value::Bytes(b)) => Some(b),
            _ => None,
        })
        .unwrap_or_default()
}

/// The first length-delimited field numbered `field`, as text (empty when absent).
pub fn string_field(message: &[u8], field: u64) -> String {
    text(bytes_field(message, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let mut message = Vec::new();
        put_bytes(&mut message, 1, b"token");
        put_number(&mut message, 3, 300);
        put_bytes(&mut message, 2, &[7u8; 200]);
        assert_eq!(string_field(&message, 1), "token");
        let read: Vec<(u64, u64)> = fields(&message)
            .map(|(f, v)| {
                (
                    f,
                    match v {
                        Value::Number(n) => n,
                        Value::Bytes(b) => b.len() as u64,
                    },
                )
            })
            .collect();
        assert_eq!(read, [(1, 5), (3, 300), (2, 200)]);
        assert_eq!(string_field(&message, 9), "");
    }
}
