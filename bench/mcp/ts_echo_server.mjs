// The TypeScript SDK's side of the `tools/call` benchmark: an MCP server
// over stdio with one tool, `echo_tool`, answering what `orchrt mcp` answers
// for test/mcp/Inputs/echo.yaml ({said, times}). Run with the SDK installed in
// test/fixtures/mcp_client (bench_mcp.py sets NODE_PATH-free imports by
// running it from there).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'ts-echo', version: '1.0.0' });
server.registerTool(
  'echo_tool',
  {
    description: 'Echoes a message, with a count',
    inputSchema: { message: z.string(), times: z.number().int().default(1) },
    outputSchema: { said: z.any(), times: z.any() },
  },
  async ({ message, times }) => {
    const out = { said: message, times };
    return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
  }
);
await server.connect(new StdioServerTransport());
