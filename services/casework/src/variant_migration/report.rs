//! The migration report as a table, one row per case, and its two downloads: CSV and XLSX. The
//! rows are made here once; both files are written from them, so they always hold the same
//! columns: the case, its stages, whether a person must decide and why, the obligations added,
//! removed, moved and overdue at once (with whose they are), the requirements now unmet, and the
//! curator.

use super::{CaseMigration, MigrationPlan, OverdueAtOnce, Responsible};
use crate::error::{CaseworkError, CaseworkResult};
use kurator_method::Language;
use kurator_method::obligations::Obligation;
use rust_xlsxwriter::{Format, Workbook};
use std::collections::HashMap;
use uuid::Uuid;

/// The columns, in order, as the CSV header and the first row of the sheet.
pub const COLUMNS: [&str; 16] = [
    "case_number",
    "case_id",
    "status",
    "from_version",
    "stage_from",
    "stage_to",
    "needs_decision",
    "reason",
    "added",
    "removed",
    "moved",
    "overdue_at_once",
    "stays_on_version",
    "decision_codes",
    "requirements_now_unmet",
    "curator",
];

/// One cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Number(i64),
    Flag(bool),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Flag(b) => b.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// The report as rows of cells under [`COLUMNS`].
#[derive(Debug, Clone)]
pub struct Table {
    pub to_version: u32,
    pub rows: Vec<Vec<Cell>>,
}

fn obligations(list: &[Obligation]) -> String {
    list.iter()
        .map(|o| format!("{} {}", o.kind, o.due.to_rfc3339()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn person(names: &HashMap<Uuid, String>, id: Uuid) -> String {
    names.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

fn whose(r: &Responsible, names: &HashMap<Uuid, String>, language: Language) -> String {
    let mut parts: Vec<String> = r.people.iter().map(|id| person(names, *id)).collect();
    if r.supervisors {
        parts.push(match language {
            Language::Ru => "руководители организации".into(),
            Language::En => "the organisation's supervisors".into(),
        });
    }
    if !r.method_roles.is_empty() {
        let label = match language {
            Language::Ru => "роли",
            Language::En => "roles",
        };
        parts.push(format!("{label}: {}", r.method_roles.join(", ")));
    }
    parts.join("; ")
}

fn overdue(list: &[OverdueAtOnce], names: &HashMap<Uuid, String>, language: Language) -> String {
    list.iter()
        .map(|o| {
            format!(
                "{} {} ({})",
                o.obligation.kind,
                o.obligation.due.to_rfc3339(),
                whose(&o.responsible, names, language)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn row(c: &CaseMigration, names: &HashMap<Uuid, String>, language: Language) -> Vec<Cell> {
    let text = |s: String| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    };
    let moved = c
        .report
        .moved
        .iter()
        .map(|(before, after)| {
            format!(
                "{} {} -> {}",
                before.kind,
                before.due.to_rfc3339(),
                after.due.to_rfc3339()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let reasons = c
        .decisions
        .iter()
        .map(|d| d.problem.message(language).to_owned())
        .collect::<Vec<_>>()
        .join("; ");
    let codes = c
        .decisions
        .iter()
        .map(|d| d.problem.code)
        .collect::<Vec<_>>()
        .join("; ");
    let unmet = c
        .requirements_now_unmet
        .iter()
        .map(|r| {
            if r.blocks_next_move {
                format!("{} [blocks next move]", r.summary())
            } else {
                r.summary()
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        c.number.map_or(Cell::Empty, Cell::Number),
        Cell::Text(c.case_id.to_string()),
        Cell::Text(c.status.clone()),
        Cell::Number(i64::from(c.from_version)),
        Cell::Text(c.stage_from.clone()),
        c.stage_to.clone().map_or(Cell::Empty, Cell::Text),
        Cell::Flag(c.needs_decision()),
        text(reasons),
        text(obligations(&c.report.added)),
        text(obligations(&c.report.removed)),
        text(moved),
        text(overdue(&c.overdue_at_once, names, language)),
        Cell::Flag(c.stays()),
        text(codes),
        text(unmet),
        c.curator
            .map_or(Cell::Empty, |id| Cell::Text(person(names, id))),
    ]
}

/// The report of `plan`, people named from `names` (their ids where a name is missing), reasons in
/// `language`.
pub fn table(plan: &MigrationPlan, names: &HashMap<Uuid, String>, language: Language) -> Table {
    Table {
        to_version: plan.to_version,
        rows: plan.cases.iter().map(|c| row(c, names, language)).collect(),
    }
}

/// One CSV field, quoted when it needs to be.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

impl Table {
    /// The report as CSV: a header line, then one line per case.
    pub fn csv(&self) -> String {
        let mut out = COLUMNS.join(",");
        out.push('\n');
        for row in &self.rows {
            let line: Vec<String> = row.iter().map(|c| csv_field(&c.text())).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out
    }

    /// The report as an XLSX workbook with one sheet: the header row in bold and frozen, case
    /// numbers and versions as numbers, flags as booleans.
    pub fn xlsx(&self) -> CaseworkResult<Vec<u8>> {
        self.write_xlsx()
            .map_err(|e| CaseworkError::Variant(format!("migration report XLSX: {e}")))
    }

    fn write_xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(format!("Migration to v{}", self.to_version))?;
        let bold = Format::new().set_bold();
        for (c, header) in COLUMNS.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, c, *header, &bold)?;
            sheet.set_column_width(c, 22)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Number(n) => {
                        // case numbers and versions are far below 2^53: exact as f64
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    Cell::Flag(b) => {
                        sheet.write_boolean(r, c, *b)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        workbook.save_to_buffer()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            to_version: 2,
            rows: vec![vec![
                Cell::Number(17),
                Cell::Text("a, \"quoted\" value".into()),
                Cell::Flag(true),
                Cell::Empty,
            ]],
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let csv = table().csv();
        let line = csv.lines().nth(1).unwrap();
        assert_eq!(line, "17,\"a, \"\"quoted\"\" value\",true,");
        assert!(csv.starts_with("case_number,case_id,status,"));
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = table().xlsx().unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
