//! The text-sentiment stage and commands: [`commands`] runs `vigil sentiment train | eval |
//! score` on any table, [`stage`] is the pipeline stage (`vigil sentiment run`) that labels
//! the history's tickets, emails and NPS comments into the `text_sentiment` table;
//! [`inputs`] reads training texts and [`artifact`] saves and loads a model folder.

pub mod artifact;
pub mod commands;
pub mod inputs;
pub mod stage;
