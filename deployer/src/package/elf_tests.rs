use object::elf::{ELFOSABI_NONE, ET_DYN, FileFlags, VER_NEED_CURRENT, VersionFlags, VersionIndex};
use object::write::elf::{FileHeader as WrittenHeader, Vernaux, Verneed, Writer};

use super::*;

/// Writes a minimal ELF file with `object`'s writer: a file header, a `.dynstr` string table
/// and a `.gnu.version_r` table with `needs` (library, versions); `little_endian` and
/// `is_64` choose the class.
pub(crate) fn written_elf(
    machine: Machine,
    needs: &[(&str, &[&str])],
    little_endian: bool,
    is_64: bool,
) -> Vec<u8> {
    let endian = if little_endian {
        Endianness::Little
    } else {
        Endianness::Big
    };
    let mut buffer = Vec::new();
    let mut writer = Writer::new(endian, is_64, &mut buffer);
    let ids: Vec<_> = needs
        .iter()
        .map(|(library, versions)| {
            let versions: Vec<_> = versions
                .iter()
                .map(|version| (writer.add_dynamic_string(version.as_bytes()), *version))
                .collect();
            (writer.add_dynamic_string(library.as_bytes()), versions)
        })
        .collect();
    let with_needs = !needs.is_empty();
    writer.reserve_file_header();
    writer.reserve_null_section_index();
    writer.reserve_shstrtab_section_index();
    if with_needs {
        writer.reserve_dynstr_section_index();
        writer.reserve_gnu_verneed_section_index();
    }
    writer.reserve_shstrtab().unwrap();
    if with_needs {
        writer.reserve_dynstr().unwrap();
        let auxiliary = needs.iter().map(|(_, versions)| versions.len()).sum();
        writer.reserve_gnu_verneed(u16::try_from(needs.len()).unwrap(), auxiliary);
    }
    writer.reserve_section_headers();

    writer
        .write_file_header(&WrittenHeader {
            os_abi: ELFOSABI_NONE,
            abi_version: 0,
            e_type: ET_DYN,
            e_machine: machine,
            e_entry: 0,
            e_flags: FileFlags(0),
        })
        .unwrap();
    writer.write_shstrtab();
    if with_needs {
        writer.write_dynstr();
        writer.write_align_gnu_verneed();
        let mut index = 2;
        for (library, versions) in &ids {
            writer.write_gnu_verneed(&Verneed {
                version: VER_NEED_CURRENT,
                aux_count: u16::try_from(versions.len()).unwrap(),
                file: writer.dynamic_string_offset(Some(*library)),
            });
            for (id, name) in versions {
                writer.write_gnu_vernaux(&Vernaux {
                    flags: VersionFlags(0),
                    index: VersionIndex(index),
                    name: writer.dynamic_string_offset(Some(*id)),
                    hash: object::elf::hash(name.as_bytes()),
                });
                index += 1;
            }
        }
    }
    writer.write_null_section_header();
    writer.write_shstrtab_section_header();
    if with_needs {
        writer.write_dynstr_section_header(0);
        writer.write_gnu_verneed_section_header(0);
    }
    drop(writer);
    buffer
}

/// A 64-bit little-endian ELF, like every binary Lambda runs.
pub(crate) fn synthetic_elf(machine: Machine, needs: &[(&str, &[&str])]) -> Vec<u8> {
    written_elf(machine, needs, true, true)
}

#[test]
fn an_aarch64_binary_and_its_newest_glibc_across_libraries() {
    let elf = synthetic_elf(
        EM_AARCH64,
        &[
            ("libgcc_s.so.1", &["GCC_3.0", "GCC_4.2.0"]),
            ("libc.so.6", &["GLIBC_2.17", "GLIBC_2.2.5", "GLIBC_PRIVATE"]),
            ("libm.so.6", &["GLIBC_2.29"]),
        ],
    );
    assert_eq!(
        inspect(&elf).unwrap(),
        ElfInfo {
            machine: EM_AARCH64,
            newest_glibc: Some((GlibcVersion::new(2, 29), "libm.so.6".to_owned())),
        }
    );
}

#[test]
fn an_x86_64_binary_without_version_needs_needs_no_glibc() {
    let elf = synthetic_elf(EM_X86_64, &[]);
    assert_eq!(
        inspect(&elf).unwrap(),
        ElfInfo {
            machine: EM_X86_64,
            newest_glibc: None,
        }
    );
    let elf = synthetic_elf(EM_X86_64, &[("libc.so.6", &["GLIBC_2.34", "GLIBC_2.2.5"])]);
    assert_eq!(
        inspect(&elf).unwrap().newest_glibc,
        Some((GlibcVersion::new(2, 34), "libc.so.6".to_owned()))
    );
}

#[test]
fn reads_this_test_binary() {
    let bytes = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let info = inspect(&bytes).unwrap();
    let expected = if cfg!(target_arch = "x86_64") {
        EM_X86_64
    } else {
        EM_AARCH64
    };
    assert_eq!(info.machine, expected);
    let (version, _) = info.newest_glibc.unwrap();
    assert!(version >= GlibcVersion::new(2, 2), "{version}");
}

#[test]
fn rejects_non_elf_32_bit_big_endian_and_truncated_files() {
    assert_eq!(inspect(b"#!/bin/sh\n"), Err(ElfError::NotElf));
    assert_eq!(inspect(b""), Err(ElfError::NotElf));
    let thirty_two = written_elf(EM_386, &[("libc.so.6", &["GLIBC_2.0"])], true, false);
    assert_eq!(inspect(&thirty_two), Err(ElfError::UnsupportedClass));
    let big = written_elf(EM_X86_64, &[], false, true);
    assert_eq!(inspect(&big), Err(ElfError::UnsupportedClass));
    let elf = synthetic_elf(EM_X86_64, &[("libc.so.6", &["GLIBC_2.17"])]);
    assert!(matches!(
        inspect(&elf[..elf.len() - 30]),
        Err(ElfError::Corrupt(_))
    ));
}

#[test]
fn machines_are_named() {
    assert_eq!(machine_name(EM_X86_64), "x86_64");
    assert_eq!(machine_name(EM_AARCH64), "aarch64 (arm64)");
    assert_eq!(machine_name(Machine(0x1234)), "machine 0x1234");
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
