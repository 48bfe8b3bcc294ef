use super::*;

/// Writes a minimal ELF64 little-endian file: header, a string table, a verneed table
/// with `needs` (library, versions), and their section headers.
pub(crate) fn synthetic_elf(machine: u16, needs: &[(&str, &[&str])]) -> Vec<u8> {
    let mut strings = vec![0u8];
    let mut add_string = |text: &str| {
        let offset = u32::try_from(strings.len()).unwrap();
        strings.extend_from_slice(text.as_bytes());
        strings.push(0);
        offset
    };
    let mut table = Vec::new();
    for (index, (library, versions)) in needs.iter().enumerate() {
        let size = 16 + 16 * versions.len();
        let next = if index + 1 == needs.len() { 0 } else { size };
        table.extend_from_slice(&1u16.to_le_bytes());
        table.extend_from_slice(&u16::try_from(versions.len()).unwrap().to_le_bytes());
        table.extend_from_slice(&add_string(library).to_le_bytes());
        table.extend_from_slice(&16u32.to_le_bytes());
        table.extend_from_slice(&u32::try_from(next).unwrap().to_le_bytes());
        for (version_index, version) in versions.iter().enumerate() {
            let next = if version_index + 1 == versions.len() {
                0u32
            } else {
                16
            };
            table.extend_from_slice(&0u32.to_le_bytes());
            table.extend_from_slice(&0u16.to_le_bytes());
            table.extend_from_slice(&2u16.to_le_bytes());
            table.extend_from_slice(&add_string(version).to_le_bytes());
            table.extend_from_slice(&next.to_le_bytes());
        }
    }
    let strings_at = 64u64;
    let table_at = strings_at + strings.len() as u64;
    let headers_at = table_at + table.len() as u64;

    let mut elf = vec![0u8; 64];
    elf[..4].copy_from_slice(b"\x7fELF");
    elf[4] = 2;
    elf[5] = 1;
    elf[6] = 1;
    elf[16..18].copy_from_slice(&3u16.to_le_bytes());
    elf[18..20].copy_from_slice(&machine.to_le_bytes());
    elf[40..48].copy_from_slice(&headers_at.to_le_bytes());
    elf[58..60].copy_from_slice(&64u16.to_le_bytes());
    elf[60..62].copy_from_slice(&3u16.to_le_bytes());
    elf.extend_from_slice(&strings);
    elf.extend_from_slice(&table);
    let section = |kind: u32, offset: u64, size: u64, link: u32, info: u32| {
        let mut header = vec![0u8; 64];
        header[4..8].copy_from_slice(&kind.to_le_bytes());
        header[24..32].copy_from_slice(&offset.to_le_bytes());
        header[32..40].copy_from_slice(&size.to_le_bytes());
        header[40..44].copy_from_slice(&link.to_le_bytes());
        header[44..48].copy_from_slice(&info.to_le_bytes());
        header
    };
    elf.extend(section(0, 0, 0, 0, 0));
    elf.extend(section(
        SECTION_STRING_TABLE,
        strings_at,
        strings.len() as u64,
        0,
        0,
    ));
    elf.extend(section(
        SECTION_VERSION_NEEDS,
        table_at,
        table.len() as u64,
        1,
        u32::try_from(needs.len()).unwrap(),
    ));
    elf
}

#[test]
fn newest_glibc_across_libraries() {
    let elf = synthetic_elf(
        ELF_MACHINE_AARCH64,
        &[
            ("libgcc_s.so.1", &["GCC_3.0", "GCC_4.2.0"]),
            ("libc.so.6", &["GLIBC_2.17", "GLIBC_2.2.5", "GLIBC_PRIVATE"]),
            ("libm.so.6", &["GLIBC_2.29"]),
        ],
    );
    assert_eq!(
        inspect(&elf).unwrap(),
        ElfInfo {
            machine: ELF_MACHINE_AARCH64,
            newest_glibc: Some((GlibcVersion::new(2, 29), "libm.so.6".to_owned())),
        }
    );
}

#[test]
fn no_version_needs_means_no_glibc() {
    let elf = synthetic_elf(ELF_MACHINE_X86_64, &[]);
    assert_eq!(inspect(&elf).unwrap().newest_glibc, None);
}

#[test]
fn reads_this_test_binary() {
    let bytes = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let info = inspect(&bytes).unwrap();
    let expected = if cfg!(target_arch = "x86_64") {
        ELF_MACHINE_X86_64
    } else {
        ELF_MACHINE_AARCH64
    };
    assert_eq!(info.machine, expected);
    let (version, _) = info.newest_glibc.unwrap();
    assert!(version >= GlibcVersion::new(2, 2), "{version}");
}

#[test]
fn rejects_non_elf_and_32_bit_and_truncated_files() {
    assert_eq!(inspect(b"#!/bin/sh\n"), Err(ElfError::NotElf));
    let mut elf = synthetic_elf(ELF_MACHINE_X86_64, &[]);
    elf[4] = 1;
    assert_eq!(inspect(&elf), Err(ElfError::UnsupportedClass));
    let elf = synthetic_elf(ELF_MACHINE_X86_64, &[("libc.so.6", &["GLIBC_2.17"])]);
    assert!(matches!(
        inspect(&elf[..elf.len() - 30]),
        Err(ElfError::Truncated(_))
    ));
}

#[test]
fn symbol_version_names() {
    assert_eq!(
        GlibcVersion::from_symbol_version("GLIBC_2.34"),
        Some(GlibcVersion::new(2, 34))
    );
    assert_eq!(
        GlibcVersion::from_symbol_version("GLIBC_2.2.5"),
        Some(GlibcVersion::new(2, 2))
    );
    assert_eq!(GlibcVersion::from_symbol_version("GLIBC_PRIVATE"), None);
    assert_eq!(GlibcVersion::from_symbol_version("GCC_3.0"), None);
    assert!(GlibcVersion::new(2, 9) < GlibcVersion::new(2, 17));
}
