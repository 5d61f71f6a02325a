//! One integration-test binary for the evaluation engine; test names are sentences.

mod engine;
mod helpers;
mod properties;
mod scale;
mod schemes;
mod worked_examples;
