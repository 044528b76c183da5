//! Reading an access key pair from the CSV files that the AWS console offers for download:
//! `Access key ID,Secret access key` (a new access key) or the five columns of the older
//! user-creation download (`User name,Password,Access key ID,Secret access key,Console login link`).

/// Tells whether pasted text is such a CSV file rather than a single value.
pub fn looks_like_key_csv(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.contains(',') && lower.contains("access key id") && lower.contains("secret access key")
}

/// Extracts the access key ID and secret access key from the file's header and first data row.
/// Accepts a byte-order mark, CRLF line ends and quoted cells. The values still go through the
/// form's validation afterwards.
pub fn parse_key_csv(text: &str) -> Result<(String, String), String> {
    let text = text.trim_start_matches('\u{FEFF}');
    let mut rows = text.lines().map(|line| line.trim_end_matches('\r')).filter(|line| !line.trim().is_empty());
    let unknown_shape = || {
        "This CSV is not an AWS access key file. Use the .csv that the AWS console offers when it creates an access key: its columns include \"Access key ID\" and \"Secret access key\".".to_owned()
    };

    let header = split_row(rows.next().ok_or_else(unknown_shape)?).ok_or_else(unknown_shape)?;
    let column = |name: &str| header.iter().position(|cell| cell.trim().eq_ignore_ascii_case(name));
    let (Some(key_column), Some(secret_column)) = (column("Access key ID"), column("Secret access key")) else {
        return Err(unknown_shape());
    };
    let row = rows.next().ok_or_else(|| "The CSV has a header but no access key row. Download the file again from the AWS console.".to_owned())?;
    let cells = split_row(row).ok_or_else(unknown_shape)?;
    match (cells.get(key_column), cells.get(secret_column)) {
        (Some(key), Some(secret)) if !key.trim().is_empty() && !secret.trim().is_empty() => {
            Ok((key.trim().to_owned(), secret.trim().to_owned()))
        }
        _ => Err("The CSV's access key row is incomplete. Download the file again from the AWS console.".to_owned()),
    }
}

/// Splits one CSV line into cells, honouring double quotes and `""` escapes. Returns `None` for
/// an unterminated quote.
fn split_row(line: &str) -> Option<Vec<String>> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    if quoted {
        return None;
    }
    cells.push(cell);
    Some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn new_access_key_file_is_read() {
        let text = format!("Access key ID,Secret access key\n{KEY},{SECRET}\n");
        assert_eq!(parse_key_csv(&text), Ok((KEY.to_owned(), SECRET.to_owned())));
    }

    #[test]
    fn bom_crlf_and_quotes_are_accepted() {
        let text = format!("\u{FEFF}\"Access key ID\",\"Secret access key\"\r\n\"{KEY}\",\"{SECRET}\"\r\n");
        assert_eq!(parse_key_csv(&text), Ok((KEY.to_owned(), SECRET.to_owned())));
    }

    #[test]
    fn user_creation_file_is_read() {
        let text = format!(
            "User name,Password,Access key ID,Secret access key,Console login link\nguardian,\"p,w\"\"d\",{KEY},{SECRET},https://123456789012.signin.aws.amazon.com/console\n"
        );
        assert_eq!(parse_key_csv(&text), Ok((KEY.to_owned(), SECRET.to_owned())));
    }

    #[test]
    fn other_shapes_are_rejected() {
        let cases = [
            "",
            "name,email\nalice,alice@example.com\n",
            "Access key ID,Secret access key\n",
            "Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE\n",
            "\"Access key ID,Secret access key\nx,y\n",
        ];
        for text in cases {
            assert!(parse_key_csv(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn only_key_files_look_like_csv() {
        assert!(looks_like_key_csv(&format!("Access key ID,Secret access key\n{KEY},{SECRET}")));
        assert!(!looks_like_key_csv(KEY));
        assert!(!looks_like_key_csv(SECRET));
    }
}
