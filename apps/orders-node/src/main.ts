import { runNode } from '@dbsim/node-runtime';
import { ordersNode } from './app.js';

runNode(ordersNode);
