namespace AudioOrchestrator.Testing;

/// <summary>
/// npm <c>@snazzah/davey</c> (Rust/OpenMLS, the DAVE implementation discord.js uses) driven from the MLS and DAVE
/// interop tests: one JSON command per line (<c>new</c>, <c>ext</c>, <c>kp</c>, <c>proposals</c>, <c>welcome</c>,
/// <c>commit</c>, <c>state</c>, <c>encrypt</c>, <c>decrypt</c>, and for a simulated voice user <c>reinit</c>: a fresh
/// group after an invalid commit or welcome, answering the new key package).
/// </summary>
public static class DaveyDriver
{
    public const string Version = "0.1.12";

    private const string Script = """
        const { DAVESession, MediaType } = require('@snazzah/davey');
        const readline = require('readline');
        let s = null;
        let ext = null;
        const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
        const buf = (h) => Buffer.from(h, 'hex');
        readline.createInterface({ input: process.stdin }).on('line', (line) => {
          const m = JSON.parse(line);
          try {
            switch (m.cmd) {
              case 'new': s = new DAVESession(1, m.userId, m.channelId); out({ ok: true }); break;
              case 'ext': ext = buf(m.hex); s.setExternalSender(ext); out({ ok: true }); break;
              case 'reinit': {
                s.reinit(1, m.userId, m.channelId);
                if (ext) { try { s.setExternalSender(ext); } catch (e) { /* kept across reinit */ } }
                out({ ok: true, hex: s.getSerializedKeyPackage().toString('hex') });
                break;
              }
              case 'kp': out({ ok: true, hex: s.getSerializedKeyPackage().toString('hex') }); break;
              case 'proposals': {
                const r = s.processProposals(m.op, buf(m.hex), m.users);
                out({ ok: true, commit: r.commit ? r.commit.toString('hex') : null, welcome: r.welcome ? r.welcome.toString('hex') : null });
                break;
              }
              case 'welcome': s.processWelcome(buf(m.hex)); out({ ok: true }); break;
              case 'commit': s.processCommit(buf(m.hex)); out({ ok: true }); break;
              case 'encrypt': out({ ok: true, hex: s.encryptOpus(buf(m.hex)).toString('hex') }); break;
              case 'decrypt': out({ ok: true, hex: s.decrypt(m.userId, 0, buf(m.hex)).toString('hex') }); break;
              case 'state': {
                const a = s.epoch === null ? null : s.getEpochAuthenticator();
                out({ ok: true, ready: s.ready, status: s.status, epoch: s.epoch === null ? null : s.epoch.toString(), auth: a ? a.toString('hex') : null, users: s.getUserIds() });
                break;
              }
              default: out({ ok: false, error: 'unknown command ' + m.cmd });
            }
          } catch (e) { out({ ok: false, error: String((e && e.message) || e) }); }
        });
        """;

    /// <summary>Installs davey once into a temp folder of that name and starts the driver there.</summary>
    public static NodeScriptProcess Start(string folderName) =>
        NodeScriptProcess.Start(folderName, "@snazzah/davey", Version, Script);
}
