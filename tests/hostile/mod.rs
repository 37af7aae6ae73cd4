//! Hostile and careless use of the binary, each case asserting the exit code, that the
//! message names what is wrong, and that a failed run wrote nothing: bad input files
//! ([`bad_input`]), hostile data ([`data`]), operator errors ([`ops`]), run-level atomicity
//! under kills and races ([`runs`]), and secrets kept out of logs ([`secrets`]).

mod bad_input;
mod data;
mod ops;
mod runs;
mod secrets;
