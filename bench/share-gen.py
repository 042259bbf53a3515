#!/usr/bin/env python3
"""share-gen.py - a STIX 2.1 bundle of N indicators for bench/share.sh.

    python3 bench/share-gen.py N OUT.json
    python3 bench/share-gen.py N OUT.json misp     # one MISP event of N attributes instead
    python3 bench/share-gen.py N OUT.xml iodef     # one IODEF Incident of N indicators

The IODEF form (bench/share-scale.sh) is what `vigia export --format iodef` writes for such an
incident: the addresses as EventData/Flow/System, the rest as IndicatorData/Indicator, the RSIT
class as AdditionalData after them; written element by element.
The MISP form (bench/share-scale.sh) is written attribute by attribute, as MISP lays an event
out (the event's tags after its attributes), without building it in memory first.

One incident, N indicators related to it (IPv4 addresses, domains, URLs and SHA-256 hashes in
turn, all distinct and outside the warning lists), TLP:AMBER, an RSIT label: what a partner
team sends after a large botnet takedown.  Deterministic (the same N gives the same file).
"""
import base64
import hashlib
import json
import sys

n, out = int(sys.argv[1]), sys.argv[2]
if len(sys.argv) > 3 and sys.argv[3] == "misp":
    kinds = [("ip-dst", "11.%d.%d.%d"), ("domain", "c2-%d-%d-%d.botnet-bench.xyz"),
             ("url", "http://drop-%d-%d-%d.botnet-bench.xyz/gate.php"), ("sha256", None)]
    with open(out, "w") as f:
        f.write('{"Event":{"uuid":"5f1d6c5e-0d2a-4c8e-9d53-6a1b2c3d4e5f","info":"Botnet takedown",'
                '"date":"2026-11-20","Attribute":[')
        for i in range(n):
            t, fmt = kinds[i % 4]
            v = (fmt % ((i >> 16) & 255, (i >> 8) & 255, i & 255 or 1) if fmt
                 else hashlib.sha256(str(i).encode()).hexdigest())
            f.write((',' if i else '') + json.dumps(
                {"uuid": "{:08x}-0000-4000-8000-{:012x}".format(i, i), "type": t,
                 "category": "Network activity" if t != "sha256" else "Payload delivery",
                 "to_ids": True, "value": v, "timestamp": "1763632800"}))
        f.write('],"Tag":[{"name":"tlp:amber"},{"name":"rsit:malicious-code=\\"c2-server\\""}]}}')
    sys.exit(0)
if len(sys.argv) > 3 and sys.argv[3] == "iodef":
    with open(out, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<IODEF-Document version="2.00" '
                'xml:lang="en" xmlns="urn:ietf:params:xml:ns:iodef-2.0" '
                'xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n <Incident purpose="reporting" '
                'restriction="amber">\n  <IncidentID name="bench">1</IncidentID>\n'
                '  <DetectTime>2026-11-20T10:00:00Z</DetectTime>\n'
                '  <GenerationTime>2026-11-20T10:00:00Z</GenerationTime>\n'
                '  <Description>Botnet takedown</Description>\n'
                '  <Contact type="organization" role="creator"><ContactName>bench</ContactName>'
                '</Contact>\n  <EventData>\n   <Flow>\n')
        for i in range(0, n, 4):
            f.write('    <System category="source"><Node><Address category="ipv4-addr">'
                    '%d.%d.%d.%d</Address></Node></System>\n'
                    % (11 + (i >> 24) % 80, (i >> 16) & 255, (i >> 8) & 255, i & 255 or 1))
        f.write('   </Flow>\n  </EventData>\n  <IndicatorData>\n')
        for i in range(n):
            k = i % 4
            if k == 0:
                continue
            if k == 1:
                o = '<DomainData><Name>c2-%d.botnet-bench.xyz</Name></DomainData>' % i
            elif k == 2:
                o = ('<Address category="site-uri">http://drop-%d.botnet-bench.xyz/gate.php'
                     '</Address>' % i)
            else:
                o = ('<FileData><File><HashData scope="file-contents"><Hash><ds:DigestMethod '
                     'Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>%s'
                     '</ds:DigestValue></Hash></HashData></File></FileData>'
                     % base64.b64encode(hashlib.sha256(str(i).encode()).digest()).decode())
            f.write('   <Indicator><IndicatorID name="bench" version="1">i-%d</IndicatorID>'
                    '<Observable>%s</Observable></Indicator>\n' % (i, o))
        f.write('  </IndicatorData>\n  <AdditionalData dtype="string" meaning="rsit">'
                'rsit:malicious-code=&quot;c2-server&quot;</AdditionalData>\n </Incident>\n'
                '</IODEF-Document>\n')
    sys.exit(0)
U = "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
inc = "incident--" + U.format(1, 2, 3, 4, 5)
ts = "2026-11-20T10:00:00.000Z"
objs = [{"type": "marking-definition", "spec_version": "2.1", "id": AMBER,
         "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER",
         "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                        {"extension_type": "property-extension", "tlp_2_0": "amber"}}},
        {"type": "incident", "spec_version": "2.1", "id": inc, "created": ts, "modified": ts,
         "name": "Botnet takedown", "labels": ['rsit:malicious-code="c2-server"'],
         "object_marking_refs": [AMBER]}]
for i in range(n):
    k = i % 4
    if k == 0:
        v = "[ipv4-addr:value = '%d.%d.%d.%d']" % (11 + (i >> 24) % 80, (i >> 16) & 255, (i >> 8) & 255, i & 255 or 1)
    elif k == 1:
        v = "[domain-name:value = 'c2-%d.botnet-bench.xyz']" % i
    elif k == 2:
        v = "[url:value = 'http://drop-%d.botnet-bench.xyz/gate.php']" % i
    else:
        v = "[file:hashes.'SHA-256' = '%s']" % hashlib.sha256(str(i).encode()).hexdigest()
    iid = "indicator--" + U.format(i, 1, 1, 1, i)
    objs.append({"type": "indicator", "spec_version": "2.1", "id": iid, "created": ts,
                 "modified": ts, "pattern": v, "pattern_type": "stix", "valid_from": ts,
                 "indicator_types": ["malicious-activity"],
                 "labels": ['rsit:malicious-code="c2-server"'], "object_marking_refs": [AMBER]})
    objs.append({"type": "relationship", "spec_version": "2.1",
                 "id": "relationship--" + U.format(i, 2, 2, 2, i), "created": ts, "modified": ts,
                 "relationship_type": "indicates", "source_ref": iid, "target_ref": inc})
with open(out, "w") as f:
    json.dump({"type": "bundle", "id": "bundle--" + U.format(9, 9, 9, 9, n), "objects": objs}, f)
