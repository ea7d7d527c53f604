import { runNode } from '@dbsim/node-runtime';
import { usersNode } from './app.js';

runNode(usersNode);
