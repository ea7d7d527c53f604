import type { NodeName } from '@dbsim/protocol';
import type { Shapes, TableShape } from './explain.js';

/** What explaining a row needs of a node's table spec. */
interface SpecLike {
  fields: Readonly<Record<string, string>>;
  references?: readonly { field: string; node: NodeName; reason: TableShape['references'][number]['reason'] }[];
}

function shapeOf(spec: SpecLike): TableShape {
  return {
    fields: Object.keys(spec.fields),
    references: (spec.references ?? []).map(({ field, node, reason }) => ({ field, owner: node, reason })),
  };
}

/**
 * The three tables' shapes, read off the nodes' own specs. Imported when
 * needed: they bring the node runtime (SQLite) with them, which a run's
 * orchestrator loads only once its run is over, to draw its page.
 */
export async function tableShapes(): Promise<Shapes> {
  const [{ usersNode }, { productsNode }, { ordersNode }] = await Promise.all([
    import('@dbsim/users-node'),
    import('@dbsim/products-node'),
    import('@dbsim/orders-node'),
  ]);
  return { users: shapeOf(usersNode.spec), products: shapeOf(productsNode.spec), orders: shapeOf(ordersNode.spec) };
}
