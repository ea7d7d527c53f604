import { runNode } from '@dbsim/node-runtime';
import { productsNode } from './app.js';

runNode(productsNode);
