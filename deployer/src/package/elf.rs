//! Just enough ELF parsing to check a Lambda extension binary before it is packaged: the
//! machine it was built for, and the newest glibc symbol version it needs (from the
//! `SHT_GNU_verneed` section, the table the dynamic loader checks at start-up).

use std::fmt;

use crate::architecture::{ELF_MACHINE_AARCH64, ELF_MACHINE_X86_64};

const MAGIC: &[u8; 4] = b"\x7fELF";
const CLASS_64: u8 = 2;
const DATA_LITTLE_ENDIAN: u8 = 1;
const SECTION_HEADER_SIZE: usize = 64;
/// `SHT_GNU_verneed`.
const SECTION_VERSION_NEEDS: u32 = 0x6fff_fffe;
/// `SHT_STRTAB`.
const SECTION_STRING_TABLE: u32 = 3;

/// What the packager checks in a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    /// `e_machine`.
    pub machine: u16,
    /// The newest `GLIBC_x.y` version required, and the library that requires it; `None`
    /// for binaries that need no glibc symbol versions (static, musl).
    pub newest_glibc: Option<(GlibcVersion, String)>,
}

/// A glibc symbol version such as `GLIBC_2.17`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlibcVersion {
    /// Major version (2).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl GlibcVersion {
    /// glibc of Amazon Linux 2 (the `provided.al2`, `python3.11`... runtimes).
    pub const AMAZON_LINUX_2: Self = Self::new(2, 26);
    /// glibc of Amazon Linux 2023 (`provided.al2023`, `python3.12`+, `nodejs20.x`+...).
    pub const AMAZON_LINUX_2023: Self = Self::new(2, 34);

    /// `major.minor`.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// Parses a version-need name such as `GLIBC_2.17` or `GLIBC_2.2.5`; `None` for other
    /// names (`GLIBC_PRIVATE`, `GCC_3.0`).
    pub fn from_symbol_version(name: &str) -> Option<Self> {
        let mut parts = name.strip_prefix("GLIBC_")?.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        // A third component (2.2.5) is a patch level: it never decides the comparison
        // against a whole minor release.
        if parts.any(|part| part.parse::<u32>().is_err()) {
            return None;
        }
        Some(Self::new(major, minor))
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{}", self.major, self.minor)
    }
}

/// A file that is not an ELF binary this checker understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// No ELF magic number.
    #[error("not an ELF binary")]
    NotElf,
    /// A 32-bit or big-endian binary: Lambda runs neither.
    #[error("not a 64-bit little-endian ELF binary (Lambda runs only those)")]
    UnsupportedClass,
    /// An offset or size points outside the file.
    #[error("truncated or corrupt ELF file ({0} out of bounds)")]
    Truncated(&'static str),
}

/// Names an ELF machine for messages.
pub fn machine_name(machine: u16) -> String {
    match machine {
        ELF_MACHINE_X86_64 => "x86_64".to_owned(),
        ELF_MACHINE_AARCH64 => "aarch64 (arm64)".to_owned(),
        0x03 => "i386".to_owned(),
        0x28 => "arm (32-bit)".to_owned(),
        0xF3 => "riscv".to_owned(),
        other => format!("machine {other:#06x}"),
    }
}

/// Reads the machine and glibc requirement of an ELF64 little-endian binary.
pub fn inspect(bytes: &[u8]) -> Result<ElfInfo, ElfError> {
    if bytes.get(..4) != Some(MAGIC.as_slice()) {
        return Err(ElfError::NotElf);
    }
    if bytes.get(4) != Some(&CLASS_64) || bytes.get(5) != Some(&DATA_LITTLE_ENDIAN) {
        return Err(ElfError::UnsupportedClass);
    }
    let machine = u16_at(bytes, 18, "e_machine")?;
    let section_headers = to_usize(u64_at(bytes, 40, "e_shoff")?)?;
    let section_count = usize::from(u16_at(bytes, 60, "e_shnum")?);
    let sections = (0..section_count)
        .map(|index| Section::read(bytes, section_headers + index * SECTION_HEADER_SIZE))
        .collect::<Result<Vec<_>, _>>()?;
    let newest_glibc = match sections.iter().find(|s| s.kind == SECTION_VERSION_NEEDS) {
        Some(needs) => newest_glibc(bytes, needs, &sections)?,
        None => None,
    };
    Ok(ElfInfo {
        machine,
        newest_glibc,
    })
}

struct Section {
    kind: u32,
    offset: usize,
    size: usize,
    link: usize,
    info: usize,
}

impl Section {
    fn read(bytes: &[u8], at: usize) -> Result<Self, ElfError> {
        Ok(Self {
            kind: u32_at(bytes, at + 4, "section type")?,
            offset: to_usize(u64_at(bytes, at + 24, "section offset")?)?,
            size: to_usize(u64_at(bytes, at + 32, "section size")?)?,
            link: to_usize(u64::from(u32_at(bytes, at + 40, "section link")?))?,
            info: to_usize(u64::from(u32_at(bytes, at + 44, "section info")?))?,
        })
    }

    fn contents<'a>(&self, bytes: &'a [u8]) -> Result<&'a [u8], ElfError> {
        bytes
            .get(self.offset..self.offset.saturating_add(self.size))
            .ok_or(ElfError::Truncated("section contents"))
    }
}

/// Walks the `Elf64_Verneed` entries (one per library) and their `Elf64_Vernaux` entries
/// (one per version needed from it).
fn newest_glibc(
    bytes: &[u8],
    needs: &Section,
    sections: &[Section],
) -> Result<Option<(GlibcVersion, String)>, ElfError> {
    let strings = sections
        .get(needs.link)
        .filter(|section| section.kind == SECTION_STRING_TABLE)
        .ok_or(ElfError::Truncated("version string table"))?
        .contents(bytes)?;
    let table = needs.contents(bytes)?;
    let mut newest: Option<(GlibcVersion, String)> = None;
    let mut need_at = 0usize;
    for _ in 0..needs.info {
        let count = u16_at(table, need_at + 2, "vn_cnt")?;
        let library = string_at(strings, u32_at(table, need_at + 4, "vn_file")?)?;
        let mut aux_at = need_at + to_usize(u64::from(u32_at(table, need_at + 8, "vn_aux")?))?;
        for _ in 0..count {
            let name = string_at(strings, u32_at(table, aux_at + 8, "vna_name")?)?;
            if let Some(version) = GlibcVersion::from_symbol_version(name)
                && newest
                    .as_ref()
                    .is_none_or(|(current, _)| version > *current)
            {
                newest = Some((version, library.to_owned()));
            }
            aux_at += to_usize(u64::from(u32_at(table, aux_at + 12, "vna_next")?))?;
        }
        let next = u32_at(table, need_at + 12, "vn_next")?;
        if next == 0 {
            break;
        }
        need_at += to_usize(u64::from(next))?;
    }
    Ok(newest)
}

fn string_at(strings: &[u8], offset: u32) -> Result<&str, ElfError> {
    let start = to_usize(u64::from(offset))?;
    let tail = strings.get(start..).ok_or(ElfError::Truncated("string"))?;
    let end = tail
        .iter()
        .position(|&byte| byte == 0)
        .ok_or(ElfError::Truncated("string"))?;
    std::str::from_utf8(&tail[..end]).map_err(|_| ElfError::Truncated("string"))
}

fn array_at<const N: usize>(
    bytes: &[u8],
    at: usize,
    what: &'static str,
) -> Result<[u8; N], ElfError> {
    bytes
        .get(at..at.saturating_add(N))
        .and_then(|slice| slice.try_into().ok())
        .ok_or(ElfError::Truncated(what))
}

fn u16_at(bytes: &[u8], at: usize, what: &'static str) -> Result<u16, ElfError> {
    array_at(bytes, at, what).map(u16::from_le_bytes)
}

fn u32_at(bytes: &[u8], at: usize, what: &'static str) -> Result<u32, ElfError> {
    array_at(bytes, at, what).map(u32::from_le_bytes)
}

fn u64_at(bytes: &[u8], at: usize, what: &'static str) -> Result<u64, ElfError> {
    array_at(bytes, at, what).map(u64::from_le_bytes)
}

fn to_usize(value: u64) -> Result<usize, ElfError> {
    usize::try_from(value).map_err(|_| ElfError::Truncated("offset"))
}

#[cfg(test)]
#[path = "elf_tests.rs"]
mod tests;
