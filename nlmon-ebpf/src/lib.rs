//! Present so that `nlmon`'s build-dependency on this crate resolves (the
//! programs are the binary target, built by aya-build for the BPF target).
#![no_std]
