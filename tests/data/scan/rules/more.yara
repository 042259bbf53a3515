/* A second rule file: rules are read from every *.yar and *.yara file of the directory. */
rule vigia_test_hex_and_text
{
	strings:
		$h = { 4D 5A 90 00 }
		$t = "This program cannot be run in DOS mode" nocase
	condition:
		$h at 0 and $t
}
