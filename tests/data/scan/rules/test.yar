/* Rules written for vigia's scanner tests (tests/cli/scan.sh). */
rule vigia_test_marker
{
	strings:
		$a = "VIGIA-TEST-MARKER"
	condition:
		$a
}

rule eicar_test_string
{
	strings:
		$e = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
	condition:
		$e
}
