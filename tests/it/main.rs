#[test]
fn t(){}
