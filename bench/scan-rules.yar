/* Benchmark rules for bench/scan.sh: typical e-mail/malware triage strings. */
rule b_paypal { strings: $a = "paypal" nocase condition: $a }
rule b_verify { strings: $a = "verify your account" nocase condition: $a }
rule b_password { strings: $a = "password" nocase condition: $a }
rule b_bank { strings: $a = "bank" nocase $b = "login" nocase condition: $a and $b }
rule b_base64_mz { strings: $a = "TVqQAAMAAAAEAAAA" condition: $a }
rule b_mz { strings: $a = { 4D 5A 90 00 03 00 } condition: $a }
rule b_iframe { strings: $a = "<iframe" nocase condition: $a }
rule b_script { strings: $a = "<script" nocase condition: $a }
rule b_eval { strings: $a = "eval(" condition: $a }
rule b_unescape { strings: $a = "unescape(" nocase condition: $a }
rule b_docm { strings: $a = "vbaProject.bin" condition: $a }
rule b_ole { strings: $a = { D0 CF 11 E0 A1 B1 1A E1 } condition: $a }
rule b_pdf_js { strings: $a = "/JavaScript" $b = "%PDF" condition: $a and $b }
rule b_zip_attach { strings: $a = "application/zip" nocase condition: $a }
rule b_exe_attach { strings: $a = /filename="[^"]{1,64}\.(exe|scr|js|vbs)"/ nocase condition: $a }
rule b_bitcoin { strings: $a = /\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\b/ condition: $a }
rule b_urgent { strings: $a = "urgent" nocase $b = "suspended" nocase condition: any of them }
rule b_wire { strings: $a = "wire transfer" nocase condition: $a }
rule b_ip_url { strings: $a = /https?:\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}/ condition: $a }
rule b_html_form { strings: $a = "<form" nocase $b = "action=" nocase condition: $a and $b }
