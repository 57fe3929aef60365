//! The text encodings of binary multiaddrs: base58btc (IPFS hashes, `Qm…`), and the base32 and
//! base36 forms a CIDv1 is written in (`bafy…`, `k51…`), with the `multiformats` library's
//! rules (the one the iExec SDK uses), and unsigned varints.

/// The base58btc alphabet (Bitcoin's).
const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// The base36 alphabet (multibase `k`).
const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// RFC 4648 base32, lowercase (multibase `b`).
const BASE32: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Decodes base58btc text (no multibase prefix); `None` on a character outside the alphabet.
pub(crate) fn base58_decode(text: &str) -> Option<Vec<u8>> {
    base_x_decode(text, BASE58)
}

/// Encodes bytes as base58btc text (no multibase prefix).
pub(crate) fn base58_encode(bytes: &[u8]) -> String {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    // Big-endian digits in base 58, least significant first.
    let mut digits: Vec<u8> = Vec::with_capacity(bytes.len() * 138 / 100 + 1);
    for &byte in &bytes[zeros..] {
        let mut carry = u32::from(byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut text = String::with_capacity(zeros + digits.len());
    text.extend(std::iter::repeat_n('1', zeros));
    text.extend(
        digits
            .iter()
            .rev()
            .map(|&d| char::from(BASE58[usize::from(d)])),
    );
    text
}

/// Decodes a base-x text (base58btc, base36): big-number conversion, where each leading
/// zero digit stands for one leading zero byte.
fn base_x_decode(text: &str, alphabet: &[u8]) -> Option<Vec<u8>> {
    let base = u32::try_from(alphabet.len()).ok()?;
    let zero = alphabet[0];
    let zeros = text.bytes().take_while(|&c| c == zero).count();
    // Little-endian bytes of the number.
    let mut bytes: Vec<u8> = Vec::with_capacity(text.len());
    for c in text.bytes().skip(zeros) {
        let mut carry = u32::try_from(alphabet.iter().position(|&a| a == c)?).ok()?;
        for byte in bytes.iter_mut() {
            carry += u32::from(*byte) * base;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Some(out)
}

/// Decodes RFC 4648 base32 (lowercase, no padding) as `multiformats` does: a character outside
/// the alphabet, or leftover bits that are not zero padding, is an error.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = u32::try_from(BASE32.iter().position(|&a| a == c)?).ok()?;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    (bits < 5 && buffer == 0).then_some(out)
}

/// The multihash inside a CIDv1 written with a multibase prefix (`b` base32, `z` base58btc,
/// `k` base36), as `CID.parse(text).multihash.bytes`; `None` for anything else (a CIDv0 with a
/// prefix included, as the library refuses it).
pub(crate) fn cid_v1_multihash(text: &str) -> Option<Vec<u8>> {
    let mut chars = text.chars();
    let bytes = match chars.next()? {
        'b' => base32_decode(chars.as_str())?,
        'z' => base58_decode(chars.as_str())?,
        'k' => base_x_decode(chars.as_str(), BASE36)?,
        _ => return None,
    };
    let (version, rest) = read_varint(&bytes)?;
    if version != 1 {
        return None;
    }
    let (_codec, multihash) = read_varint(rest)?;
    let (_hash_code, after_code) = read_varint(multihash)?;
    let (digest_size, digest) = read_varint(after_code)?;
    // The digest must fill the rest exactly ("Incorrect length" otherwise).
    (u64::try_from(digest.len()).ok()? == digest_size).then(|| multihash.to_vec())
}

/// Reads an unsigned LEB128 varint; `None` when truncated or over 63 bits.
pub(crate) fn read_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(9) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, &bytes[i + 1..]));
        }
    }
    None
}

/// Appends `value` as an unsigned LEB128 varint.
pub(crate) fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58_round_trips_with_leading_zeros() {
        for bytes in [&[][..], &[0], &[0, 0, 1], &[0xff; 34], b"hello world"] {
            let text = base58_encode(bytes);
            assert_eq!(base58_decode(&text).as_deref(), Some(bytes), "{text}");
        }
        assert_eq!(base58_encode(b"hello world"), "StV1DL6CwTryKyV");
        assert_eq!(base58_decode("0OIl"), None);
    }

    #[test]
    fn cids_give_their_multihash() {
        // Checked with multiformats (CID.parse(...).multihash.bytes).
        let mh = cid_v1_multihash("bafybeihkoviema7g3gxyt6la7vd5ho32ictqbilu3wnlo3rs7ewhnp7lly")
            .expect("a CIDv1");
        assert_eq!(
            hex::encode(mh),
            "1220ea75504603e6d9af89f960fd47d3bb7a40a700a174dd9ab76e32f92c76bfeb5e"
        );
        // A CIDv0 behind a multibase prefix, bad characters, other prefixes: refused.
        assert_eq!(
            cid_v1_multihash("zQmW2WQi7j6c7UgJTarActp7tDNikE4B2qXtFCfLPdsgaTQ"),
            None
        );
        assert_eq!(cid_v1_multihash("bafy!"), None);
        assert_eq!(cid_v1_multihash("xyz"), None);
    }

    #[test]
    fn varints() {
        for value in [0u64, 1, 127, 128, 421, 777, u64::from(u32::MAX)] {
            let mut out = Vec::new();
            write_varint(&mut out, value);
            assert_eq!(read_varint(&out), Some((value, &[][..])));
        }
        let mut out = Vec::new();
        write_varint(&mut out, 421);
        assert_eq!(out, [0xa5, 0x03]);
        assert_eq!(read_varint(&[0x80]), None);
    }
}
