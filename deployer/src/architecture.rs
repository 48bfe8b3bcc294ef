//! The Lambda instruction set architectures the layer and the function can target.

use std::fmt;

use serde::Serialize;

/// A Lambda architecture, named as Lambda and CloudFormation name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, clap::ValueEnum)]
pub enum Architecture {
    /// 64-bit x86 (`x86_64`).
    #[default]
    #[value(name = "x86_64", alias = "x86-64", alias = "amd64")]
    #[serde(rename = "x86_64")]
    X86_64,
    /// 64-bit ARM, Graviton (`arm64`).
    #[value(name = "arm64", alias = "aarch64")]
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name Lambda uses (`Architectures`, `CompatibleArchitectures`).
    pub const fn lambda_name(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }

    /// The Rust target triple of Lambda's Linux on this architecture.
    pub const fn rust_target(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64-unknown-linux-gnu",
            Self::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The ELF `e_machine` a binary for this architecture carries.
    pub const fn elf_machine(self) -> object::elf::Machine {
        match self {
            Self::X86_64 => object::elf::EM_X86_64,
            Self::Arm64 => object::elf::EM_AARCH64,
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.lambda_name())
    }
}
