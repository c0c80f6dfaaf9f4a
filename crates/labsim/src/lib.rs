//! labsim core
