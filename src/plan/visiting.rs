//! The chain of targets and stages being planned, for finding cycles: membership in constant
//! time (a chain of 50,000 stages would otherwise be searched once per stage).

use std::collections::HashSet;

#[derive(Default)]
pub struct Visiting {
    chain: Vec<String>,
    members: HashSet<String>,
}

impl Visiting {
    /// Enters `key`; when it is already on the chain, the cycle from it back to itself.
    pub fn enter(&mut self, key: &str) -> Result<(), Vec<String>> {
        if self.members.contains(key) {
            let start = self.chain.iter().position(|v| v == key).unwrap_or(0);
            return Err(self.chain[start..].iter().cloned().chain([key.to_string()]).collect());
        }
        self.members.insert(key.to_string());
        self.chain.push(key.to_string());
        Ok(())
    }

    /// Leaves the last key entered.
    pub fn leave(&mut self) {
        if let Some(key) = self.chain.pop() {
            self.members.remove(&key);
        }
    }
}
