/** @module `wakubot/testing`: real loopback Waku networks and the in-memory network with fault injection, for wakubot's own tests and bot authors' tests. */
export {
  MEMORY_STORE,
  MemoryDelivery,
  type MemoryFaults,
  MemoryNetwork,
  type MemoryNetworkOptions,
  type MemoryStats,
} from "../waku/memory.ts";
export {
  type ChildNode,
  type LoopbackNetwork,
  type NetworkOptions,
  spawnNode,
  startNetwork,
  type Topology,
} from "./network.ts";
