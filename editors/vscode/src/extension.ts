// The podlint extension starts `podlint lsp` and lets VS Code's language
// client do the rest: diagnostics, quick fixes and hover come from the server.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("podlint");
  const command = config.get<string>("path", "podlint");
  const serverOptions: ServerOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "file", language: "json" },
      { scheme: "untitled", language: "yaml" },
    ],
    initializationOptions: {
      kubernetesVersion: config.get<string>("kubernetesVersion", ""),
      policies: config.get<string[]>("policies", []),
    },
    synchronize: {
      // The server reloads its configuration and policies when these change.
      fileEvents: [
        vscode.workspace.createFileSystemWatcher("**/.podlint.yaml"),
        vscode.workspace.createFileSystemWatcher("**/*.rego"),
      ],
    },
  };
  client = new LanguageClient("podlint", "podlint", serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
