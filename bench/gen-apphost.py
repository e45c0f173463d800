#!/usr/bin/env python3
"""Generate a large applicationHost.config for the configuration benchmarks.

The file is what a shared-hosting server with many sites looks like: the
section registrations, encryption providers, web server defaults and the
server-wide <location path=""> of the project's own etc/applicationHost.config
(read from the repository at generation time, so the benchmark always loads
the configuration the project ships), with its system.applicationHost section
replaced by a generated one:

  * N/10 application pools, each with a few attributes and processModel and
    recycling children;
  * N sites, each with an id, 1 to 3 bindings (most with host headers), a
    root application in one of the pools with its virtual directory, limits,
    a log folder and a failed-request folder; every 10th site also has a
    second virtual directory and a child application;
  * siteDefaults, applicationDefaults and virtualDirectoryDefaults;

and, after the web server sections, one <location path="siteX"> for 1 site
in 20 (defaultDocument, httpErrors, directoryBrowse, staticContent...).

Output is deterministic for a given N. Usage:

  bench/gen-apphost.py [-n SITES] [-o FILE] [--etc DIR]
"""

import argparse
import os
import sys

SITES_OPEN = "<system.applicationHost>"
SITES_CLOSE = "</system.applicationHost>"
CONFIG_CLOSE = "</configuration>"


def split_template(text):
    """Cut etc/applicationHost.config into the part before system.applicationHost,
    the part between its end and </configuration>, and the newline style."""
    nl = "\r\n" if "\r\n" in text else "\n"
    start = text.find(SITES_OPEN)
    end = text.find(SITES_CLOSE)
    tail = text.rfind(CONFIG_CLOSE)
    if start < 0 or end < start or tail < end:
        sys.exit("gen-apphost: the template has no <system.applicationHost> section")
    line_start = text.rfind("\n", 0, start) + 1
    head = text[:line_start]
    middle = text[end + len(SITES_CLOSE):tail]
    return head, middle, nl


def pool_name(i):
    return "pool%04d" % i


def site_name(i):
    return "site%05d" % i


def gen_pools(out, npools):
    w = out.append
    w("        <applicationPools>")
    w('            <add name="DefaultAppPool" />')
    for p in range(1, npools + 1):
        runtime = "v4.0" if p % 3 == 0 else ""
        mode = "AlwaysRunning" if p % 5 == 0 else "OnDemand"
        w('            <add name="%s" managedRuntimeVersion="%s" startMode="%s" queueLength="%d">'
          % (pool_name(p), runtime, mode, 1000 + (p % 4) * 1000))
        w('                <processModel identityType="ApplicationPoolIdentity" '
          'idleTimeout="00:%02d:00" maxProcesses="%d" loadUserProfile="false" />'
          % (10 + p % 40, 1 + p % 2))
        w("                <recycling>")
        w('                    <periodicRestart time="00:00:00">')
        w("                        <schedule>")
        w('                            <add value="%02d:%02d:00" />' % (1 + p % 5, (p * 7) % 60))
        w("                        </schedule>")
        w("                    </periodicRestart>")
        w("                </recycling>")
        w("            </add>")
    w("            <applicationPoolDefaults>")
    w('                <processModel identityType="ApplicationPoolIdentity" />')
    w("            </applicationPoolDefaults>")
    w("        </applicationPools>")


def gen_bindings(w, i, name):
    host = "%s.example.com" % name
    kind = i % 4
    w("                <bindings>")
    if kind == 0:
        # an address-bound site without a host header
        w('                    <binding protocol="http" bindingInformation="10.%d.%d.%d:80:" />'
          % (i // 65025 % 256, i // 255 % 255, i % 255 + 1))
    else:
        w('                    <binding protocol="http" bindingInformation="*:80:%s" />' % host)
        if kind >= 2:
            w('                    <binding protocol="http" bindingInformation="*:80:www.%s" />'
              % host)
        if kind == 3:
            w('                    <binding protocol="https" bindingInformation="*:443:%s" '
              'sslFlags="1" />' % host)
    w("                </bindings>")


def gen_site(out, i, npools):
    w = out.append
    name = site_name(i)
    pool = pool_name((i - 1) % npools + 1) if npools else "DefaultAppPool"
    root = "%%SystemDrive%%\\inetpub\\sites\\%s" % name
    w('            <site name="%s" id="%d" serverAutoStart="%s">'
      % (name, i, "false" if i % 50 == 0 else "true"))
    w('                <application path="/" applicationPool="%s">' % pool)
    w('                    <virtualDirectory path="/" physicalPath="%s\\wwwroot" />' % root)
    if i % 10 == 0:
        w('                    <virtualDirectory path="/media" physicalPath="%s\\media" />' % root)
    w("                </application>")
    if i % 10 == 0:
        w('                <application path="/api" applicationPool="%s">' % pool)
        w('                    <virtualDirectory path="/" physicalPath="%s\\api" />' % root)
        w("                </application>")
    gen_bindings(w, i, name)
    w('                <limits connectionTimeout="00:01:%02d" maxConnections="%d" />'
      % (i % 60, 1000 + i % 9000))
    w('                <logFile directory="%%SystemDrive%%\\inetpub\\logs\\%s" period="Hourly" />'
      % name)
    w('                <traceFailedRequestsLogging directory="%%SystemDrive%%\\inetpub\\failed\\%s" />'
      % name)
    w("            </site>")


def gen_sites(out, nsites, npools):
    w = out.append
    w("        <sites>")
    for i in range(1, nsites + 1):
        gen_site(out, i, npools)
    w("            <siteDefaults>")
    w('                <logFile logFormat="W3C" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" />')
    w('                <traceFailedRequestsLogging '
      'directory="%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles" />')
    w("            </siteDefaults>")
    w('            <applicationDefaults applicationPool="DefaultAppPool" />')
    w('            <virtualDirectoryDefaults allowSubDirConfig="true" />')
    w("        </sites>")


def gen_apphost(out, nsites, npools):
    w = out.append
    w("    " + SITES_OPEN)
    w("")
    gen_pools(out, npools)
    w("")
    w("        <listenerAdapters>")
    w('            <add name="http" />')
    w("        </listenerAdapters>")
    w("")
    w("        <log>")
    w('            <centralBinaryLogFile enabled="true" '
      'directory="%SystemDrive%\\inetpub\\logs\\LogFiles" />')
    w('            <centralW3CLogFile enabled="true" '
      'directory="%SystemDrive%\\inetpub\\logs\\LogFiles" />')
    w("        </log>")
    w("")
    gen_sites(out, nsites, npools)
    w("")
    w("        <webLimits />")
    w("")
    w("    " + SITES_CLOSE)


def gen_location(out, i):
    w = out.append
    name = site_name(i)
    w('    <location path="%s">' % name)
    w("        <system.webServer>")
    w("            <defaultDocument enabled=\"true\">")
    w("                <files>")
    w("                    <clear />")
    w('                    <add value="index.php" />')
    w('                    <add value="index.html" />')
    w('                    <add value="default.aspx" />')
    w("                </files>")
    w("            </defaultDocument>")
    w('            <httpErrors errorMode="Custom" existingResponse="Replace">')
    w('                <remove statusCode="404" subStatusCode="-1" />')
    w('                <error statusCode="404" path="/errors/404.html" responseMode="ExecuteURL" />')
    w('                <remove statusCode="500" subStatusCode="-1" />')
    w('                <error statusCode="500" path="/errors/500.html" responseMode="ExecuteURL" />')
    w("            </httpErrors>")
    w('            <directoryBrowse enabled="%s" />' % ("true" if i % 40 == 0 else "false"))
    w("            <staticContent>")
    w('                <mimeMap fileExtension=".%s" mimeType="application/x-%s" />' % (name, name))
    w("            </staticContent>")
    w("        </system.webServer>")
    w("    </location>")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Generate a large applicationHost.config.")
    ap.add_argument("-n", "--sites", type=int, default=20000, help="number of sites (20000)")
    ap.add_argument("-o", "--output", default="-", help="output file (stdout)")
    ap.add_argument("--etc", default=os.path.join(here, "..", "etc"),
                    help="folder of the template applicationHost.config (the repository's etc/)")
    args = ap.parse_args()
    if args.sites < 1:
        sys.exit("gen-apphost: --sites must be at least 1")

    with open(os.path.join(args.etc, "applicationHost.config"), encoding="utf-8", newline="") as f:
        head, middle, nl = split_template(f.read())

    npools = max(1, args.sites // 10)
    out = []
    gen_apphost(out, args.sites, npools)
    body = nl.join(out) + nl
    out = []
    for i in range(20, args.sites + 1, 20):
        gen_location(out, i)
    locations = nl.join(out) + nl + nl if out else ""

    text = head + body + middle.rstrip(" ") + locations + CONFIG_CLOSE + nl
    data = text.encode("utf-8")
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(args.output, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
