//! What the packager checks in an extension binary before zipping it, read with the
//! `object` crate: the machine it was built for, and the newest glibc symbol version it
//! needs (from the `SHT_GNU_verneed` section, the table the dynamic loader checks at
//! start-up).

use std::fmt;

use object::Endianness;
use object::elf::{EM_386, EM_AARCH64, EM_ARM, EM_RISCV, EM_X86_64, FileHeader64, Machine};
use object::read::elf::{FileHeader, SectionTable};

/// What the packager checks in a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    /// `e_machine`.
    pub machine: Machine,
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
    /// A header or table is cut short or inconsistent.
    #[error("truncated or corrupt ELF file ({0})")]
    Corrupt(String),
}

impl From<object::read::Error> for ElfError {
    fn from(error: object::read::Error) -> Self {
        Self::Corrupt(error.to_string())
    }
}

/// Names an ELF machine for messages.
pub fn machine_name(machine: Machine) -> String {
    match machine {
        EM_X86_64 => "x86_64".to_owned(),
        EM_AARCH64 => "aarch64 (arm64)".to_owned(),
        EM_386 => "i386".to_owned(),
        EM_ARM => "arm (32-bit)".to_owned(),
        EM_RISCV => "riscv".to_owned(),
        other => format!("machine {:#06x}", other.0),
    }
}

/// Reads the machine and glibc requirement of an ELF64 little-endian binary.
pub fn inspect(bytes: &[u8]) -> Result<ElfInfo, ElfError> {
    match object::FileKind::parse(bytes) {
        Ok(object::FileKind::Elf64) => {}
        Ok(object::FileKind::Elf32) => return Err(ElfError::UnsupportedClass),
        _ => return Err(ElfError::NotElf),
    }
    let header = FileHeader64::<Endianness>::parse(bytes)?;
    let endian = header.endian()?;
    if endian != Endianness::Little {
        return Err(ElfError::UnsupportedClass);
    }
    let sections = header.sections(endian, bytes)?;
    Ok(ElfInfo {
        machine: header.e_machine(endian),
        newest_glibc: newest_glibc(&sections, endian, bytes)?,
    })
}

/// Walks the version needs (one per library) and their auxiliary entries (one per version
/// needed from it).
fn newest_glibc(
    sections: &SectionTable<'_, FileHeader64<Endianness>>,
    endian: Endianness,
    bytes: &[u8],
) -> Result<Option<(GlibcVersion, String)>, ElfError> {
    let Some((mut needs, strings_index)) = sections.gnu_verneed(endian, bytes)? else {
        return Ok(None);
    };
    let strings = sections.strings(endian, bytes, strings_index)?;
    let mut newest: Option<(GlibcVersion, String)> = None;
    while let Some((need, mut versions)) = needs.next()? {
        let library = String::from_utf8_lossy(need.file(endian, strings)?).into_owned();
        while let Some(version) = versions.next()? {
            let name = String::from_utf8_lossy(version.name(endian, strings)?);
            if let Some(version) = GlibcVersion::from_symbol_version(&name)
                && newest
                    .as_ref()
                    .is_none_or(|(current, _)| version > *current)
            {
                newest = Some((version, library.clone()));
            }
        }
    }
    Ok(newest)
}

#[cfg(test)]
#[path = "elf_tests.rs"]
pub(crate) mod tests;
